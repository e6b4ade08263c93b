/**
 * One probe per host serves the whole run (one provider process): the SevHost's check and each of
 * its guests'. Keyed by everything that makes it another machine or another view of it. The engine
 * calls check one resource at a time, so probes are started as soon as the provider learns of a
 * host (the program's fleet, told at the first SevHost's check: prefetch), a few at a time, and
 * each check awaits only its own host's.
 */
import { SevHostInputs } from "../generated/sev-host";
import { Budget } from "../core/semaphore";
import { inspect, Inspection } from "./operations";

/** Hosts probed at once, as sev-capacity's default concurrency. */
export const PROBE_FAN_OUT = 8;

/** A failed probe is tried again once a check has seen its error; a prefetched failure waits for its check. */
interface Probe {
  inspection: Promise<Inspection>;
  failed: boolean;
  seen: boolean;
}

const recent = new Map<string, Probe>();
const fanOut = new Budget(PROBE_FAN_OUT);

export function probeKey(inputs: SevHostInputs): string {
  const jump = inputs.jumpHost ? [inputs.jumpHost.address, inputs.jumpHost.port, inputs.jumpHost.user] : null;
  return JSON.stringify([inputs.address, inputs.port, inputs.user, jump, inputs.libvirtUri, inputs.maxGuests]);
}

async function inspectInTurn(inputs: SevHostInputs): Promise<Inspection> {
  const release = await fanOut.take();
  try {
    return await inspect(inputs);
  } finally {
    release();
  }
}

function probeOf(inputs: SevHostInputs, seen: boolean): Promise<Inspection> {
  const key = probeKey(inputs);
  let probe = recent.get(key);
  if (!probe || (probe.failed && probe.seen)) {
    const p: Probe = { inspection: inspectInTurn(inputs), failed: false, seen: false };
    p.inspection.catch(() => (p.failed = true));
    recent.set(key, (probe = p));
  }
  probe.seen ||= seen;
  return probe.inspection;
}

export function inspectRecent(inputs: SevHostInputs): Promise<Inspection> {
  return probeOf(inputs, true);
}

/** Starts the probes of these hosts (in this order, PROBE_FAN_OUT at once); their checks await them. */
export function prefetch(hosts: SevHostInputs[]): void {
  for (const h of hosts) probeOf(h, false);
}

/** Each SevHost checked in this run, by its URN: what its slot plan's check needs to reach it. */
const checkedHosts = new Map<string, SevHostInputs>();

/** Remembers a SevHost's inputs for the checks of its plan that follow in this process. */
export function rememberHost(inputs: SevHostInputs): void {
  if (inputs.owner?.urn) checkedHosts.set(inputs.owner.urn, inputs);
}

/** The inputs of the SevHost of this URN, when it was checked in this process. */
export function hostOfUrn(urn: string): SevHostInputs | undefined {
  return checkedHosts.get(urn);
}

/** The host's probe of this run, without counting as a check that has seen its error (see Probe). */
export function inspectionOf(inputs: SevHostInputs): Promise<Inspection> {
  return probeOf(inputs, false);
}
