/** A SevGuest provider's inputs: the program's (sev-guest.schema.json) and what the class computes (sev-guest-internal.schema.json). */
import { SevGuestInputs } from "../generated/sev-guest";
import { SevGuestInternalInputs } from "../generated/sev-guest-internal";
import internalSchema from "../../schema/sev-guest-internal.schema.json";
import schema from "../../schema/sev-guest.schema.json";
import { InputProblem, schemaChecker } from "../core/validate";
import { validateFlavor } from "../core/flavor";
import { launchInputProblems } from "../core/launch-inputs";
import { diskInputProblems } from "../core/disks";
import { checkHostInputs } from "../host/inputs";

const checkSchema = schemaChecker<SevGuestInputs>(schema);
const checkInternal = schemaChecker(internalSchema);

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

function prefixed(problems: InputProblem[], prefix: string): InputProblem[] {
  return problems.map((p) => ({ property: p.property ? `${prefix}.${p.property}` : prefix, reason: `${prefix}: ${p.reason}` }));
}

/** Every problem of a SevGuest's inputs (the program's and the class's): schema, host, disks, networks, flavor, launch inputs. */
export function guestProblems(all: Record<string, unknown>): InputProblem[] {
  const problems: InputProblem[] = [];
  if (all === null || typeof all !== "object") return checkSchema(all).ok ? [] : [{ property: "", reason: "input must be object" }];
  const { own: value, internal } = splitInputs(all);
  const schemaResult = checkSchema(value);
  if (!schemaResult.ok) problems.push(...schemaResult.problems);
  const internalResult = checkInternal(internal);
  if (!internalResult.ok) problems.push(...internalResult.problems);
  if (value.host && typeof value.host === "object") problems.push(...prefixed(checkHostInputs(value.host).problems, "host"));
  if (schemaResult.ok) problems.push(...deviceProblems(schemaResult.value));
  if (value.flavor && typeof value.flavor === "object") {
    const flavor = validateFlavor(value.flavor, value.image);
    if (!flavor.ok) problems.push(...prefixed(flavor.problems, "flavor"));
    else if (schemaResult.ok) problems.push(...launchInputProblems(flavor.resolved.model, schemaResult.value.launchSecurity, schemaResult.value.launchSecret));
  }
  return problems;
}

function deviceProblems(g: SevGuestInputs): InputProblem[] {
  const problems = diskInputProblems(g, g.configDrive);
  if (g.network !== undefined && g.networks !== undefined)
    problems.push({ property: "networks", reason: "network and networks both declare the interfaces: give networks alone" });
  (g.networks ?? (g.network ? [g.network] : [])).forEach((n, i) => {
    if ((n.bridge === undefined) === (n.network === undefined))
      problems.push({ property: `networks[${i}]`, reason: `networks[${i}] needs exactly one of bridge or network` });
  });
  return problems;
}
