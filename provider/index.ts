export { SevHost, SevHostArgs } from "./resources/sev-host";
export type { SevHostInputs, MemoryLimit, MaxGuestsOverride, SshEndpoint } from "./generated/sev-host";
export type { HostFacts } from "./core/facts";
export type { Check } from "./core/checks";
export type { SlotCapacity } from "./core/capacity";
