/**
 * pulumi-sev: the resources a program declares (SevHost, SevFlavor, SevGuest) and the types of
 * their inputs and of what they report. The pure core (checks, slot counting, domain XML) is
 * `pulumi-sev/core`.
 */
export { SevHost, SevHostArgs } from "./resources/sev-host";
export { SevFlavor, SevFlavorArgs } from "./resources/sev-flavor";
export { SevGuest, SevGuestArgs } from "./resources/sev-guest";
export type { MemoryLimit, MaxGuestsOverride, SshEndpoint } from "./generated/sev-host";
export type { SevHostInputs, SevFlavorInputs, ImageProperties, SevGuestInputs, HostFacts, Check, SlotCapacity, ResolvedFlavor } from "./core";
