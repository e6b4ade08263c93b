/** Does a guest fit in its host's SEV slot pool? Judged at preview (check, diff) and again under the host lock. */
import { SevGuestInputs } from "../generated/sev-guest";
import { accountHost, formatOvercommit, formatReplacementNeedsSlot, HostAccount, overcommitted, poolOfModel, SlotRequest } from "../core/slots";
import { Inspection } from "../host/operations";
import { hostLabel } from "../host/target";
import { flavorOf } from "./flavor";

export function selfRequest(inputs: SevGuestInputs): SlotRequest {
  return { name: inputs.name, urn: inputs.owner.urn, model: flavorOf(inputs).model, adopt: inputs.adopt ?? false };
}

export function account(inputs: SevGuestInputs, host: Inspection, requests: SlotRequest[]): HostAccount {
  return accountHost(hostLabel(inputs.host), host.capacity, host.facts.sevDomains, inputs.owner, requests, inputs.host.countGuests ?? "defined", host.facts.unreadableDomains);
}

/**
 * The preview verdict for one guest, counting every guest the program declares on the host. When a
 * pool is over-committed no new guest of that pool goes ahead (nothing half-done on the host), and
 * each of them carries the same whole story: the engine may stop at the first one it checks.
 */
export function previewVerdict(inputs: SevGuestInputs, host: Inspection): string | null {
  const requests = inputs.slotPlan?.requests ?? [selfRequest(inputs)];
  const a = account(inputs, host, requests);
  const pool = overcommitted(a).find((p) => p.requested.some((r) => r.urn === inputs.owner.urn));
  return pool ? formatOvercommit(a, pool) : null;
}

/** Under the host lock, just before define: this guest alone against what the host has now. */
export function createVerdict(inputs: SevGuestInputs, host: Inspection): string | null {
  const a = account(inputs, host, [selfRequest(inputs)]);
  const full = overcommitted(a)[0];
  return full ? formatOvercommit(a, full) : null;
}

/** A replacement created before the original is deleted needs its own slot for a while. */
export function replacementVerdict(news: SevGuestInputs, sameHost: boolean, host: Inspection): string | null {
  if (news.deleteBeforeReplace) return null;
  const self = selfRequest(news);
  const requests = sameHost ? [{ ...self, urn: `${self.urn}#replacement` }] : [self];
  const a = account(news, host, requests);
  const pool = a.pools[poolOfModel(self.model)];
  if (pool.overflow.length === 0) return null;
  return sameHost ? formatReplacementNeedsSlot(a, pool, news.name) : formatOvercommit(a, pool);
}
