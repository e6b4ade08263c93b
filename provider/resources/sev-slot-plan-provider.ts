/** SevSlotPlan: the guests a program declares on one host, remembered for their checks. No host is touched. */
import type * as pulumi from "@pulumi/pulumi";
import { SevSlotPlanInputs } from "../generated/sev-slot-plan";
import { schemaChecker } from "../core/validate";
import { rememberPlan } from "../guest/plans";
import { checkFailures, same, userInputs } from "./inputs";
import schema from "../../schema/sev-slot-plan.schema.json";

const checkSchema = schemaChecker<SevSlotPlanInputs>(schema);

export const sevSlotPlanProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const inputs = userInputs(news);
    const result = checkSchema(inputs);
    if (result.ok) rememberPlan(result.value.host, result.value.requests);
    return { inputs, failures: result.ok ? [] : checkFailures(result.problems) };
  },
  async diff(_id: string, olds: SevSlotPlanInputs, news: SevSlotPlanInputs): Promise<pulumi.dynamic.DiffResult> {
    return { changes: !same(olds.requests, news.requests) || olds.host !== news.host, replaces: [] };
  },
  async create(inputs: SevSlotPlanInputs): Promise<pulumi.dynamic.CreateResult> {
    return { id: inputs.host, outs: userInputs(inputs as unknown as Record<string, unknown>) };
  },
  async update(_id: string, _olds: SevSlotPlanInputs, news: SevSlotPlanInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: userInputs(news as unknown as Record<string, unknown>) };
  },
};
