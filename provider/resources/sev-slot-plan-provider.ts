/** SevSlotPlan: the guests a program declares on one host, remembered for their checks. No host is touched. */
import type * as pulumi from "@pulumi/pulumi";
import { SevSlotPlanInputs } from "../generated/sev-slot-plan";
import { schemaChecker } from "../core/validate";
import { rememberPlan } from "../guest/plans";
import { prefetchPlanDisks } from "../guest/disks";
import { checkFailures, userInputs } from "./inputs";
import schema from "../../schema/sev-slot-plan.schema.json";

const checkSchema = schemaChecker<SevSlotPlanInputs>(schema);

/** What the state keeps of a plan: its host's URN (0.2.0 kept the requests too). */
type Stored = Pick<SevSlotPlanInputs, "host"> & { requests?: unknown };

export const sevSlotPlanProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const inputs = userInputs(news);
    const result = checkSchema(inputs);
    if (!result.ok) return { inputs, failures: checkFailures(result.problems) };
    rememberPlan(result.value.host, result.value.requests);
    prefetchPlanDisks(result.value.host);
    // The plan has served its guests' checks, which follow in this process: the state keeps only its host.
    return { inputs: { host: result.value.host }, failures: [] };
  },
  async diff(_id: string, olds: Stored, news: Stored): Promise<pulumi.dynamic.DiffResult> {
    // State written by 0.2.0 kept the requests too: one update drops them.
    return { changes: olds.host !== news.host || olds.requests !== undefined, replaces: [] };
  },
  async create(inputs: Stored): Promise<pulumi.dynamic.CreateResult> {
    return { id: inputs.host, outs: { host: inputs.host } };
  },
  async update(_id: string, _olds: Stored, news: Stored): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { host: news.host } };
  },
};
