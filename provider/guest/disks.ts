/**
 * The preview's disk check: the first guest of a host to be checked asks for every boot disk its
 * host's plan names, in one round trip; the others find their answer. (The engine checks resources
 * one at a time, so the batch comes from the plan, not from waiting for the other checks.)
 */
import { DiskFact } from "../core/disks";
import { inspectDisks } from "../effects/disks";
import { probeKey } from "../host/recent";
import { targetOf } from "../host/target";
import { ProviderInputs } from "./inputs";
import { plannedDisks } from "./plans";

const checked = new Map<string, Promise<Map<string, DiskFact>>>();

function checkedOnce(key: string, inputs: ProviderInputs, paths: string[]): Promise<Map<string, DiskFact>> {
  const batch = inspectDisks(targetOf(inputs.host), paths).then((facts) => new Map(paths.map((p, i) => [p, facts[i]] as const)));
  checked.set(key, batch);
  batch.catch(() => checked.delete(key));
  return batch;
}

/** What the host has at the guest's boot disk path. */
export async function bootDiskFact(inputs: ProviderInputs): Promise<DiskFact> {
  const path = inputs.bootDisk.path;
  const key = `${probeKey(inputs.host)}|${inputs.slotPlan ?? ""}`;
  const batch = await (checked.get(key) ?? checkedOnce(key, inputs, [...new Set([...plannedDisks(inputs.slotPlan), path])]));
  return batch.get(path) ?? (await checkedOnce(`${key}|${path}`, inputs, [path])).get(path)!;
}
