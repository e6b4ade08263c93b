/** The core's admission refusals (core/admission.ts) for a SevGuest's inputs and a fresh host inspection. */
import { SevGuestInputs } from "../generated/sev-guest";
import * as core from "../core/admission";
import { SlotRequest } from "../core/slots";
import { SlotCount } from "../core/parse/probe";
import { slotCapacity } from "../core/capacity";
import { Inspection } from "../host/operations";
import { hostLabel } from "../host/target";
import { flavorOf } from "./flavor";
import { ProviderInputs } from "./inputs";
import { formatSnpRefusal } from "../core/snp-host";
import { plannedWith } from "./plans";

export function selfRequest(inputs: SevGuestInputs): SlotRequest {
  return { name: inputs.name, urn: inputs.owner.urn, model: flavorOf(inputs).model, adopt: inputs.adopt ?? false };
}

function admissionHost(inputs: SevGuestInputs, inspection: Inspection): core.AdmissionHost {
  return { label: hostLabel(inputs.host), facts: inspection.facts, capacity: inspection.capacity, countMode: inputs.host.countGuests ?? "defined" };
}

/**
 * After the model's host support (core), an SEV-SNP guest's own host checks: the stack's version
 * floors and its policy against the host (core/snp-host.ts); null when none fails.
 */
function modelOrSnpRefusal(inputs: SevGuestInputs, inspection: Inspection, h: core.AdmissionHost, self: SlotRequest): string | null {
  if (self.model !== "sev-snp") return core.modelRefusal(h, self);
  return core.modelRefusal(h, self) ?? formatSnpRefusal(h.label, inputs.name, inspection.facts, flavorOf(inputs).policy);
}

export function refusalAtPreview(inputs: ProviderInputs, inspection: Inspection): string | null {
  const [h, self] = [admissionHost(inputs, inspection), selfRequest(inputs)];
  return modelOrSnpRefusal(inputs, inspection, h, self) ?? core.previewRefusal(h, self, inputs.owner, plannedWith(inputs.slotPlan, self));
}

/** The run's probe of the host with its slot facts as counted under the lock (capacity follows misc.capacity). */
export function countedNow(inputs: SevGuestInputs, probed: Inspection, count: SlotCount): Inspection {
  const facts = { ...probed.facts, misc: count.misc, sevDomains: count.sevDomains, unreadableDomains: count.unreadableDomains };
  return { ...probed, facts, capacity: slotCapacity(facts, inputs.host.maxGuests) };
}

export function refusalAtCreate(inputs: SevGuestInputs, inspection: Inspection): string | null {
  const [h, self] = [admissionHost(inputs, inspection), selfRequest(inputs)];
  return modelOrSnpRefusal(inputs, inspection, h, self) ?? core.createRefusal(h, self, inputs.owner);
}

export function refusalOfReplacement(news: ProviderInputs, sameHost: boolean, inspection: Inspection): string | null {
  return core.replacementRefusal(admissionHost(news, inspection), selfRequest(news), news.owner, sameHost, news.deleteBeforeReplace ?? false);
}
