/**
 * `pulumi-sev/dynamic`: the provider implementations the serialized providers in the state load by
 * package name (delegate.ts). Not an API for programs; its export names are part of the state format.
 */
import { sevHostProvider as host } from "./sev-host-provider";
import { sevFlavorProvider as flavor } from "./sev-flavor-provider";
import { sevGuestProvider as guest } from "./sev-guest-provider";
import { sevSlotPlanProvider as slotPlan } from "./sev-slot-plan-provider";
import { migrating } from "./migrate";
import { traced } from "./traced";

export const sevHostProvider = traced("SevHost", migrating(host));
export const sevFlavorProvider = traced("SevFlavor", migrating(flavor));
export const sevGuestProvider = traced("SevGuest", migrating(guest));
export const sevSlotPlanProvider = traced("SevSlotPlan", migrating(slotPlan));
