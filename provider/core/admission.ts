/**
 * Does a guest fit on its host? The pure refusals, judged at preview (check, diff) and again under
 * the host lock: the host must run the guest's SEV model, and the model's slot pool must hold it.
 * Each refusal is null when the guest may go ahead, else the one message that says why not.
 */
import { HostFacts } from "./facts";
import { SlotCapacity } from "./capacity";
import { formatUnsupportedModel, poolOfModel } from "./models";
import { accountHost, CountMode, formatOvercommit, formatReplacementNeedsSlot, HostAccount, overcommitted, SlotRequest, StackId } from "./slots";

/** The host as admission sees it: one probe's facts and capacity, and how guests are counted. */
export interface AdmissionHost {
  label: string;
  facts: HostFacts;
  capacity: SlotCapacity;
  countMode: CountMode;
}

function account(seen: AdmissionHost, stack: StackId, requests: SlotRequest[]): HostAccount {
  return accountHost(seen.label, seen.capacity, seen.facts.sevDomains, stack, requests, seen.countMode, seen.facts.unreadableDomains);
}

/** Nova's per-host model support: a guest of a model the host does not run is refused, with the host's reasons. */
export function modelRefusal(seen: AdmissionHost, guest: SlotRequest): string | null {
  return formatUnsupportedModel(seen.label, guest.model, seen.facts);
}

/**
 * The preview refusal for one guest, counting every guest the program declares on the host (plan;
 * the guest alone without one). When a pool is over-committed no new guest of that pool goes ahead,
 * and each carries the same whole story: the engine may stop at the first one it checks.
 */
export function previewRefusal(seen: AdmissionHost, guest: SlotRequest, stack: StackId, plan?: SlotRequest[]): string | null {
  const unsupported = modelRefusal(seen, guest);
  if (unsupported) return unsupported;
  const a = account(seen, stack, plan ?? [guest]);
  const pool = overcommitted(a).find((p) => p.requested.some((r) => r.urn === guest.urn));
  return pool ? formatOvercommit(a, pool) : null;
}

/** Under the host lock, just before define: this guest alone against what the host has now. */
export function createRefusal(seen: AdmissionHost, guest: SlotRequest, stack: StackId): string | null {
  const unsupported = modelRefusal(seen, guest);
  if (unsupported) return unsupported;
  const a = account(seen, stack, [guest]);
  const full = overcommitted(a)[0];
  return full ? formatOvercommit(a, full) : null;
}

/**
 * A replacement created before the original is deleted needs its own slot for a while: on the same
 * host the original still holds one. null when deleteBeforeReplace (the original goes first).
 */
export function replacementRefusal(seen: AdmissionHost, guest: SlotRequest, stack: StackId, sameHost: boolean, deleteBeforeReplace: boolean): string | null {
  if (deleteBeforeReplace) return null;
  const request = sameHost ? { ...guest, urn: `${guest.urn}#replacement` } : guest;
  const a = account(seen, stack, [request]);
  const pool = a.pools[poolOfModel(guest.model)];
  if (pool.overflow.length === 0) return null;
  return sameHost ? formatReplacementNeedsSlot(a, pool, guest.name) : formatOvercommit(a, pool);
}
