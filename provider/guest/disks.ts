/**
 * The preview's disk check: the first guest of a host to be checked asks for every path its host's
 * plan names (disks, base images, files up would create), in one round trip; the others find their
 * answer. (The engine checks resources one at a time, so the batch comes from the plan, not from
 * waiting for the other checks.) A path the plan did not name (given as an output) costs one more.
 * The check is started at the plan's check already (prefetchPlanDisks), for the planned guests the
 * host's probe does not find there: the engine checks every host's plan before the guests, so the
 * hosts' disk checks run at once instead of one host after another as their first guests come.
 */
import { DiskFact, guestDisks, Inspected, inspectedPaths, inspectedProblem } from "../core/disks";
import { inspectDisks } from "../effects/disks";
import { hostOfUrn, inspectionOf, probeKey } from "../host/recent";
import { SevHostInputs } from "../generated/sev-host";
import { hostLabel, targetOf } from "../host/target";
import { ProviderInputs } from "./inputs";
import { plannedDisks } from "./plans";
import { flavorOf } from "./flavor";

const checked = new Map<string, Promise<Map<string, DiskFact>>>();

function checkedOnce(key: string, host: SevHostInputs, paths: string[]): Promise<Map<string, DiskFact>> {
  const batch = inspectDisks(targetOf(host), paths).then((facts) => new Map(paths.map((p, i) => [p, facts[i]] as const)));
  checked.set(key, batch);
  batch.catch(() => checked.delete(key));
  return batch;
}

const batchKey = (host: SevHostInputs, hostUrn: string | undefined) => `${probeKey(host)}|${hostUrn ?? ""}`;

/**
 * At a slot plan's check: starts its host's disk check for the planned guests that the host's probe
 * does not find on it (the ones whose checks will ask). Nothing when the host was not checked in
 * this process or every planned guest is there; a failure is left for the guests' checks to redo.
 */
export function prefetchPlanDisks(hostUrn: string): void {
  const host = hostOfUrn(hostUrn);
  if (!host || checked.has(batchKey(host, hostUrn))) return;
  inspectionOf(host)
    .then((inspection) => {
      const onHost = new Set(inspection.facts.sevDomains.flatMap((d) => (d.owner ? [d.owner.urn] : [])));
      const paths = plannedDisks(hostUrn, (g) => !onHost.has(g.urn));
      const key = batchKey(host, hostUrn);
      if (paths.length > 0 && !checked.has(key)) checkedOnce(key, host, paths).catch(() => undefined);
    })
    .catch(() => undefined);
}

/** What the host has at each path. */
async function factsOf(inputs: ProviderInputs, paths: string[]): Promise<Map<string, DiskFact>> {
  const key = batchKey(inputs.host, inputs.slotPlan);
  const batch = await (checked.get(key) ?? checkedOnce(key, inputs.host, [...new Set([...plannedDisks(inputs.slotPlan), ...paths])]));
  const unasked = [...new Set(paths.filter((p) => !batch.has(p)))];
  if (unasked.length === 0) return batch;
  const more = await checkedOnce(`${key}|${unasked.join("\n")}`, inputs.host, unasked);
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
