/** SevFlavor: a validated guest shape. No host is touched; the outputs carry the resolved shape. */
import type * as pulumi from "@pulumi/pulumi";
import { SevFlavorInputs } from "../generated/sev-flavor";
import { resolveFlavor, validateFlavor } from "../core/flavor";
import { changedKeys, checkFailures, userInputs } from "./inputs";
import schema from "../../schema/sev-flavor.schema.json";

const inputKeys = Object.keys(schema.properties) as (keyof SevFlavorInputs)[];

function outputsOf(inputs: SevFlavorInputs) {
  const own = userInputs(inputs as unknown as Record<string, unknown>) as unknown as SevFlavorInputs;
  return { ...own, resolved: resolveFlavor(own) };
}

export const sevFlavorProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const inputs = userInputs(news);
    const result = validateFlavor(inputs);
    return { inputs, failures: result.ok ? [] : checkFailures(result.problems) };
  },
  async diff(_id: string, olds: SevFlavorInputs, news: SevFlavorInputs): Promise<pulumi.dynamic.DiffResult> {
    return { changes: changedKeys(inputKeys, olds, news).length > 0, replaces: [] };
  },
  async create(inputs: SevFlavorInputs): Promise<pulumi.dynamic.CreateResult> {
    return { id: inputs.name, outs: outputsOf(inputs) };
  },
  async update(_id: string, _olds: SevFlavorInputs, news: SevFlavorInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: outputsOf(news) };
  },
};
