/**
 * One probe per host serves every check of the same preview: the SevHost's own and each of its
 * guests'. Keyed by everything that makes it another machine or another view of it.
 */
import { SevHostInputs } from "../generated/sev-host";
import { inspect, Inspection } from "./operations";

const recent = new Map<string, { at: number; inspection: Promise<Inspection> }>();
const PREVIEW_PROBE_MAX_AGE_MS = 30_000;

export function probeKey(host: SevHostInputs): string {
  const jump = host.jumpHost ? [host.jumpHost.address, host.jumpHost.port, host.jumpHost.user] : null;
  return JSON.stringify([host.address, host.port, host.user, jump, host.libvirtUri, host.maxGuests]);
}

export function inspectRecent(host: SevHostInputs): Promise<Inspection> {
  const key = probeKey(host);
  const hit = recent.get(key);
  if (hit && Date.now() - hit.at < PREVIEW_PROBE_MAX_AGE_MS) return hit.inspection;
  const inspection = inspect(host);
  recent.set(key, { at: Date.now(), inspection });
  inspection.catch(() => recent.delete(key));
  return inspection;
}
