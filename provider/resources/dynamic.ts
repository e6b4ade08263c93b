/**
 * `pulumi-sev/dynamic`: the provider implementations the serialized providers in the state load by
 * package name (delegate.ts). Not an API for programs; its export names are part of the state format.
 */
import { sevHostProvider as host } from "./sev-host-provider";
import { sevFlavorProvider as flavor } from "./sev-flavor-provider";
import { sevGuestProvider as guest } from "./sev-guest-provider";
import { sevSlotPlanProvider as slotPlan } from "./sev-slot-plan-provider";
import { migrating } from "./migrate";
import { stored as storedGuest } from "../guest/stored";
import { storedHost } from "../host/state";
import { SevGuestOutputs } from "../guest/operations";
import { SevHostOutputs } from "../host/state";
import { traced } from "./traced";

export const sevHostProvider = traced(
  "SevHost",
  migrating(host, (o) => storedHost(o as unknown as SevHostOutputs) as unknown as Record<string, unknown>),
);
export const sevFlavorProvider = traced("SevFlavor", migrating(flavor));
export const sevGuestProvider = traced(
  "SevGuest",
  migrating(guest, (o) => storedGuest(o as unknown as SevGuestOutputs) as unknown as Record<string, unknown>),
);
export const sevSlotPlanProvider = traced("SevSlotPlan", migrating(slotPlan));
