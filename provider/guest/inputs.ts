/** A SevGuest provider's inputs: the program's (sev-guest.schema.json) and what the class computes (sev-guest-internal.schema.json). */
import { SevGuestInputs } from "../generated/sev-guest";
import { SevGuestInternalInputs } from "../generated/sev-guest-internal";
import internalSchema from "../../schema/sev-guest-internal.schema.json";

export type ProviderInputs = SevGuestInputs & SevGuestInternalInputs;

/** Keys only the SevGuest class sets; a value a program passes for them is dropped. */
export const INTERNAL_KEYS = Object.keys(internalSchema.properties) as (keyof SevGuestInternalInputs)[];

/** The program's inputs and the class's, apart, for their own schemas. */
export function splitInputs(all: Record<string, unknown>): { own: Record<string, unknown>; internal: Record<string, unknown> } {
  const own: Record<string, unknown> = {};
  const internal: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) ((INTERNAL_KEYS as string[]).includes(k) ? internal : own)[k] = v;
  return { own, internal };
}
