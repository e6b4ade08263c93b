/** SevHost orchestration: probe, judge, apply and restore the machine.slice limit. */
import { SevHostInputs } from "../generated/sev-host";
import { HostFacts } from "../core/facts";
import { parseProbeWithDomains, SlotCount } from "../core/parse/probe";
import { parseSystemctlShow } from "../core/parse/systemctl";
import { Check, failures, formatHostReport, judgeHost, warnings } from "../core/checks";
import { SlotCapacity, slotCapacity } from "../core/capacity";
import { modelSupport } from "../core/models";
import { parseSize, sliceLimit } from "../core/memory";
import { readSlice, removeSliceClaim, runProbe, setSliceProperty, writeSliceClaim } from "../effects/host";
import { SliceProperty } from "../core/slice";
import { baseFor, claimConflict, claimId, releaseOf, serializeClaim, SliceClaim } from "../core/slice-claims";
import { Owner } from "../core/owner";
import { warn } from "../effects/engine-log";
import { randomUUID } from "crypto";
import { hostKeyFingerprint, SshTarget } from "../effects/ssh";
import { DEFAULTS, hostLabel, targetOf } from "./target";
import { SevHostOutputs, SliceState } from "./state";

export interface Inspection {
  target: SshTarget;
  facts: HostFacts;
  checks: Check[];
  capacity: SlotCapacity;
  hostKeySeen: string;
  /** Every domain defined on the host, SEV or not (a new guest's name must be free). */
  defined: Pick<SlotCount, "names" | "uuids">;
}

export async function inspect(inputs: SevHostInputs): Promise<Inspection> {
  const target = targetOf(inputs);
  const { facts, defined } = parseProbeWithDomains(await runProbe(target, inputs.libvirtUri ?? DEFAULTS.libvirtUri));
  const checks = judgeHost(facts);
  const capacity = slotCapacity(facts, inputs.maxGuests);
  return { target, facts, checks, capacity, hostKeySeen: await hostKeyFingerprint(target), defined };
}

/** The host's readiness report when a check failed; null when it is SEV-ready. */
export function notReadyReport(inputs: SevHostInputs, inspection: Inspection): string | null {
  return failures(inspection.checks).length > 0 ? formatHostReport(hostLabel(inputs), inspection.checks) : null;
}

/** The warnings of a host that is SEV-ready (SME off, say), for preview to show; null when there are none or a check failed. */
export function readyWarningsReport(inputs: SevHostInputs, inspection: Inspection): string | null {
  const ready = failures(inspection.checks).length === 0;
  return ready && warnings(inspection.checks).length > 0 ? formatHostReport(hostLabel(inputs), inspection.checks) : null;
}

export function assertReady(inputs: SevHostInputs, inspection: Inspection): void {
  const report = notReadyReport(inputs, inspection);
  if (report) throw new Error(report);
}

function sliceValue(facts: HostFacts, property: SliceProperty): number | null {
  return property === "MemoryMax" ? facts.slice.memoryMax : facts.slice.memoryHigh;
}

export function desiredLimit(inputs: SevHostInputs, facts: HostFacts): { property: SliceProperty; bytes: number } | null {
  const m = inputs.memoryLimit;
  if (!m) return null;
  const property = m.property ?? DEFAULTS.sliceProperty;
  if (facts.memTotalBytes === null) {
    if (m.limit !== undefined) return { property, bytes: parseSize(m.limit) };
    throw new Error(`${hostLabel(inputs)}: MemTotal unknown, cannot compute a limit from a reservation`);
  }
  try {
    return { property, bytes: sliceLimit(facts.memTotalBytes, { limit: m.limit, reserve: m.reserve }) };
  } catch (err) {
    throw new Error(`${hostLabel(inputs)}: memoryLimit: ${(err as Error).message}`);
  }
}

async function setAndVerify(inputs: SevHostInputs, t: SshTarget, property: SliceProperty, bytes: number | null): Promise<number | null> {
  await setSliceProperty(t, property, bytes);
  const now = parseSystemctlShow(await readSlice(t));
  const seen = property === "MemoryMax" ? now.memoryMax : now.memoryHigh;
  if (seen !== bytes) {
    throw new Error(`${hostLabel(inputs)}: machine.slice ${property} reads back as ${seen ?? "infinity"} after setting ${bytes ?? "infinity"}`);
  }
  return seen;
}

/** Who this SevHost is on the host; the class always says, a provider called directly is keyed by its address. */
export function hostOwner(inputs: SevHostInputs): Owner {
  return inputs.owner ?? { project: "unknown", stack: "unknown", urn: `sev:index:SevHost::${hostLabel(inputs)}` };
}

/** Why this host's memoryLimit cannot be applied (checked at preview and again before any change). */
export function sliceRefusal(inputs: SevHostInputs, facts: HostFacts): string | null {
  const want = desiredLimit(inputs, facts);
  if (!want) return null;
  if (!facts.slice.available) {
    return (
      `${hostLabel(inputs)}: machine.slice is not available (systemctl show machine.slice failed); ` +
      `a memoryLimit needs systemd with libvirt placing guests in machine.slice. Fix: remove memoryLimit or run libvirt under systemd.`
    );
  }
  return claimConflict(hostLabel(inputs), hostOwner(inputs), want, facts.sliceClaims);
}

/**
 * Brings machine.slice to the inputs' limit and records this resource's claim on the host. A
 * property this resource no longer manages is released as on delete; a failed read-back or claim
 * restores the previous value before failing.
 */
export async function applySlice(inputs: SevHostInputs, i: Inspection, prior: SliceState | null): Promise<SliceState | null> {
  const refusal = sliceRefusal(inputs, i.facts);
  if (refusal) throw new Error(refusal);
  const want = desiredLimit(inputs, i.facts);
  if (prior && (!want || want.property !== prior.property)) await releaseSlice(inputs, i, prior);
  if (!want) return null;
  const owner = hostOwner(inputs);
  const id = claimId(owner.urn);
  const current = sliceValue(i.facts, want.property);
  const previous = prior && prior.property === want.property ? prior.previous : baseFor(i.facts.sliceClaims, want.property, current, id);
  const nonce = prior?.nonce ?? randomUUID();
  const claim: SliceClaim = { ...owner, property: want.property, bytes: want.bytes, base: previous, nonce };
  try {
    const seen = current === want.bytes ? current : await setAndVerify(inputs, i.target, want.property, want.bytes);
    await writeSliceClaim(i.target, id, serializeClaim(claim));
    return { property: want.property, limitBytes: want.bytes, previous, current: seen, nonce };
  } catch (err) {
    if (current !== want.bytes) await setSliceProperty(i.target, want.property, current).catch(() => undefined);
    throw err;
  }
}

/**
 * Lets go of this resource's limit (delete, or memoryLimit removed): by the claims on the host,
 * restored, kept for the other SevHosts that claim it, left to this resource's replacement, or left
 * as it is with a warning when someone changed it by hand.
 */
export async function releaseSlice(inputs: SevHostInputs, i: Inspection, held: SliceState): Promise<void> {
  const owner = hostOwner(inputs);
  const id = claimId(owner.urn);
  const r = releaseOf(hostLabel(inputs), owner, held, i.facts.sliceClaims, sliceValue(i.facts, held.property));
  if (r.action === "taken-over") return;
  if (r.action === "restore") await setAndVerify(inputs, i.target, held.property, r.value);
  if (r.removeClaim) await removeSliceClaim(i.target, id);
  if (r.action === "leave-changed") await warn(r.warning, owner.urn);
}

export async function deleteSlice(inputs: SevHostInputs, held: SliceState | null): Promise<void> {
  if (held) await releaseSlice(inputs, await inspect(inputs), held);
}

export function sliceDrift(slice: SliceState | null): string[] {
  if (!slice || slice.current === slice.limitBytes) return [];
  return [
    `machine.slice ${slice.property} is ${slice.current ?? "infinity"}, expected ${slice.limitBytes} (changed out of band); ` +
      `the next update sets it back, a destroy leaves it as it is`,
  ];
}

/** A host that is not ready says so in its own words wherever its state is shown (refresh --diff). */
export function readinessDrift(inputs: SevHostInputs, i: Inspection): string[] {
  return notReadyReport(inputs, i)?.split("\n") ?? [];
}

export function outputsOf(inputs: SevHostInputs, i: Inspection, slice: SliceState | null): SevHostOutputs {
  // The platform identity is stored once, as the platform output.
  const { platform, ...facts } = i.facts;
  return {
    ...inputs,
    hostKeySeen: i.hostKeySeen,
    facts,
    checks: i.checks,
    ready: failures(i.checks).length === 0,
    capacity: i.capacity,
    models: modelSupport(i.facts),
    platform,
    slice,
    drift: [...readinessDrift(inputs, i), ...sliceDrift(slice)],
  };
}

/** A refreshed view of the slice: what this resource wants, what the host has now. */
export function observedSlice(prior: SliceState | null, facts: HostFacts): SliceState | null {
  return prior ? { ...prior, current: sliceValue(facts, prior.property) } : null;
}
