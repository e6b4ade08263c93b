/** SevHost orchestration: probe, judge, apply and restore the machine.slice limit. */
import { SevHostInputs } from "../generated/sev-host";
import { HostFacts } from "../core/facts";
import { parseProbe } from "../core/parse/probe";
import { parseSystemctlShow } from "../core/parse/systemctl";
import { Check, failures, formatHostReport, judgeHost } from "../core/checks";
import { SlotCapacity, slotCapacity } from "../core/capacity";
import { parseSize, sliceLimit } from "../core/memory";
import { readSlice, runProbe, setSliceProperty, SliceProperty } from "../effects/host";
import { hostKeyFingerprint, SshTarget } from "../effects/ssh";
import { DEFAULTS, hostLabel, targetOf } from "./target";
import { SevHostOutputs, SliceState } from "./state";

export interface Inspection {
  target: SshTarget;
  facts: HostFacts;
  checks: Check[];
  capacity: SlotCapacity;
  hostKeySeen: string;
}

export async function inspect(inputs: SevHostInputs): Promise<Inspection> {
  const target = targetOf(inputs);
  const facts = parseProbe(await runProbe(target, inputs.libvirtUri ?? DEFAULTS.libvirtUri));
  const checks = judgeHost(facts);
  const capacity = slotCapacity(facts, inputs.maxGuests);
  return { target, facts, checks, capacity, hostKeySeen: await hostKeyFingerprint(target) };
}

/** The host's readiness report when a check failed; null when it is SEV-ready. */
export function notReadyReport(inputs: SevHostInputs, inspection: Inspection): string | null {
  return failures(inspection.checks).length > 0 ? formatHostReport(hostLabel(inputs), inspection.checks) : null;
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

/**
 * Brings machine.slice to the inputs' limit. A property this resource no longer manages goes back
 * to the value it had before; a failed read-back restores the previous value before failing.
 */
export async function applySlice(inputs: SevHostInputs, i: Inspection, prior: SliceState | null): Promise<SliceState | null> {
  const want = desiredLimit(inputs, i.facts);
  if (want && !i.facts.slice.available) {
    throw new Error(
      `${hostLabel(inputs)}: machine.slice is not available (systemctl show machine.slice failed); ` +
        `a memoryLimit needs systemd with libvirt placing guests in machine.slice. Fix: remove memoryLimit or run libvirt under systemd.`,
    );
  }
  if (prior && (!want || want.property !== prior.property)) await setAndVerify(inputs, i.target, prior.property, prior.previous);
  if (!want) return null;
  const current = sliceValue(i.facts, want.property);
  const previous = prior && prior.property === want.property ? prior.previous : current;
  if (current === want.bytes) return { property: want.property, limitBytes: want.bytes, previous, current };
  try {
    const seen = await setAndVerify(inputs, i.target, want.property, want.bytes);
    return { property: want.property, limitBytes: want.bytes, previous, current: seen };
  } catch (err) {
    await setSliceProperty(i.target, want.property, current).catch(() => undefined);
    throw err;
  }
}

export async function restoreSlice(inputs: SevHostInputs, slice: SliceState | null): Promise<void> {
  if (slice) await setAndVerify(inputs, targetOf(inputs), slice.property, slice.previous);
}

export function sliceDrift(slice: SliceState | null): string[] {
  if (!slice || slice.current === slice.limitBytes) return [];
  return [
    `machine.slice ${slice.property} is ${slice.current ?? "infinity"}, expected ${slice.limitBytes} (changed out of band); the next update sets it back`,
  ];
}

/** A host that is not ready says so in its own words wherever its state is shown (refresh --diff). */
export function readinessDrift(inputs: SevHostInputs, i: Inspection): string[] {
  return notReadyReport(inputs, i)?.split("\n") ?? [];
}

export function outputsOf(inputs: SevHostInputs, i: Inspection, slice: SliceState | null): SevHostOutputs {
  return {
    ...inputs,
    hostKeySeen: i.hostKeySeen,
    facts: i.facts,
    checks: i.checks,
    ready: failures(i.checks).length === 0,
    capacity: i.capacity,
    slice,
    drift: [...readinessDrift(inputs, i), ...sliceDrift(slice)],
  };
}

/** A refreshed view of the slice: what this resource wants, what the host has now. */
export function observedSlice(prior: SliceState | null, facts: HostFacts): SliceState | null {
  return prior ? { ...prior, current: sliceValue(facts, prior.property) } : null;
}
