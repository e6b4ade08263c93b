/**
 * The preview's disk check: the first guest of a host to be checked asks for every path its host's
 * plan names (disks, base images, files up would create), in one round trip; the others find their
 * answer. (The engine checks resources one at a time, so the batch comes from the plan, not from
 * waiting for the other checks.) A path the plan did not name (given as an output) costs one more.
 */
import { DiskFact, guestDisks, Inspected, inspectedPaths, inspectedProblem } from "../core/disks";
import { inspectDisks } from "../effects/disks";
import { probeKey } from "../host/recent";
import { hostLabel, targetOf } from "../host/target";
import { ProviderInputs } from "./inputs";
import { plannedDisks } from "./plans";
import { flavorOf } from "./flavor";

const checked = new Map<string, Promise<Map<string, DiskFact>>>();

function checkedOnce(key: string, inputs: ProviderInputs, paths: string[]): Promise<Map<string, DiskFact>> {
  const batch = inspectDisks(targetOf(inputs.host), paths).then((facts) => new Map(paths.map((p, i) => [p, facts[i]] as const)));
  checked.set(key, batch);
  batch.catch(() => checked.delete(key));
  return batch;
}

/** What the host has at each path. */
async function factsOf(inputs: ProviderInputs, paths: string[]): Promise<Map<string, DiskFact>> {
  const key = `${probeKey(inputs.host)}|${inputs.slotPlan ?? ""}`;
  const batch = await (checked.get(key) ?? checkedOnce(key, inputs, [...new Set([...plannedDisks(inputs.slotPlan), ...paths])]));
  const unasked = [...new Set(paths.filter((p) => !batch.has(p)))];
  if (unasked.length === 0) return batch;
  const more = await checkedOnce(`${key}|${unasked.join("\n")}`, inputs, unasked);
  return new Map([...batch, ...more]);
}

/** Every problem of the guest's disks on its host (one message each, naming host, guest and path); empty when it may be created. */
export async function diskProblems(inputs: ProviderInputs, uuid: string): Promise<{ property: string; reason: string }[]> {
  const wanted = inspectedPaths(guestDisks(inputs, flavorOf(inputs).diskGiB));
  const facts = await factsOf(
    inputs,
    wanted.map((i) => i.path),
  );
  const subject = { host: hostLabel(inputs.host), guest: inputs.name, uuid };
  return wanted.flatMap((i) => {
    const reason = inspectedProblem(subject, i, facts.get(i.path)!);
    return reason === null ? [] : [{ property: propertyOf(i), reason }];
  });
}

function propertyOf(i: Inspected): string {
  if (i.role === "disk") return i.property;
  return i.role === "image" ? "bootDisk.image" : "bootDisk";
}
