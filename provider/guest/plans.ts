/**
 * The slot plans of this run (one provider process), by SevHost URN: each host's SevSlotPlan is
 * checked before any of its guests (they wait for its registration), and its guests' checks count
 * against it. The plan travels once per host, not once per guest.
 */
import { PlannedGuest } from "../generated/sev-slot-plan";
import { SlotRequest } from "../core/slots";

const plans = new Map<string, PlannedGuest[]>();

export function rememberPlan(hostUrn: string, requests: PlannedGuest[]): void {
  plans.set(hostUrn, requests);
}

/**
 * The guests counted with this one at preview: its host's plan, with the guest as its check sees
 * it (a guest declared after the plan was made is added at the end); the guest alone without a plan.
 */
export function plannedWith(hostUrn: string | undefined, self: SlotRequest): SlotRequest[] {
  const plan = hostUrn === undefined ? undefined : plans.get(hostUrn);
  if (!plan) return [self];
  const at = plan.findIndex((r) => r.urn === self.urn);
  return at < 0 ? [...plan, self] : plan.map((r, i) => (i === at ? self : r));
}

/** The paths the host's plan names (disks, base images, files to create) for the guests `wanted` keeps, for the preview's one disk check per host. */
export function plannedDisks(hostUrn: string | undefined, wanted: (guest: PlannedGuest) => boolean = () => true): string[] {
  const plan = hostUrn === undefined ? undefined : plans.get(hostUrn);
  return [...new Set((plan ?? []).filter(wanted).flatMap((r) => r.paths ?? []))];
}
