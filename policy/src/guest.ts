/**
 * A SevGuest as the guest policies see it, and what the core says about the settings a policy is
 * about. Nova's rules (how a flavor extra spec and an image property merge, the defaults, what is
 * refused) are the core's `validateFlavor`, the code the provider's own check runs.
 */
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { FlavorResult, SETTINGS, SettingName, validateFlavor } from "pulumi-sev/core";
import { Obj, TYPES, isObject, known, message, plain, show } from "./common";

export interface Guest {
  /** "SevGuest web-1 (flavor sev.small)" */
  label: string;
  /** The SevFlavor's inputs. */
  flavor: Obj;
  /** The guest's image properties ({} when none). */
  image: Obj;
  flavorName: string;
  hasImage: boolean;
}

export function isGuest(args: { type: string }): boolean {
  return args.type === TYPES.guest;
}

export function guestOf(r: { name: string; props: Obj }): Guest {
  // Only the fields read here: other props (outputs such as uuid) may be unknown during preview.
  const flavorProp = plain(r.props.flavor);
  const imageProp = plain(r.props.image);
  const flavor = isObject(flavorProp) ? flavorProp : {};
  const image = isObject(imageProp) ? imageProp : {};
  const flavorName = typeof flavor.name === "string" ? flavor.name : "(unnamed)";
  const domainName = known(() => r.props.name);
  const domain = domainName.known && typeof domainName.value === "string" && domainName.value !== r.name ? `, domain ${domainName.value}` : "";
  return { label: `SevGuest ${r.name} (flavor ${flavorName}${domain})`, flavor, image, flavorName, hasImage: isObject(imageProp) };
}

export function specsOf(g: Guest): Obj {
  return isObject(g.flavor.extraSpecs) ? g.flavor.extraSpecs : {};
}

/**
 * Asks the core to resolve only some of a guest's settings ("a probe"): a minimal valid flavor
 * carrying the given extra specs and image properties as they are, so one bad setting does not hide another policy's verdict. Memory encryption is requested in the
 * probe unless it is one of the settings asked about.
 * @param keys setting names (the core's SETTINGS): "disk_bus" means the flavor's pulumi-sev:disk_bus and the image's hw_disk_bus
 */
export function probe(g: Guest, keys: SettingName[]): FlavorResult {
  const specs = specsOf(g);
  const probeSpecs: Obj = keys.includes("mem_encryption") ? {} : { [SETTINGS.mem_encryption.flavorKey]: true };
  const probeImage: Obj = {};
  for (const k of keys) {
    const { flavorKey, imageKey } = SETTINGS[k];
    if (flavorKey !== null && specs[flavorKey] !== undefined) probeSpecs[flavorKey] = specs[flavorKey];
    if (imageKey !== null && g.image[imageKey] !== undefined) probeImage[imageKey] = g.image[imageKey];
  }
  const flavor = { name: "policy-probe", vcpus: 1, memory: 1024, disk: 1, extraSpecs: probeSpecs };
  return validateFlavor(flavor, Object.keys(probeImage).length > 0 ? probeImage : undefined);
}

/** What the core said, in one sentence. */
export function coreSays(r: FlavorResult): string {
  return r.ok ? "" : r.problems.map((p) => p.reason).join("; ");
}

/** The flavor's and image's values of one setting, e.g. `flavor sev.small pulumi-sev:disk_bus "virtio", image hw_disk_bus not set`. */
export function settingOf(g: Guest, key: SettingName): string {
  const { flavorKey, imageKey } = SETTINGS[key];
  const f = flavorKey === null ? `flavor ${g.flavorName}` : `flavor ${g.flavorName} ${flavorKey} ${show(specsOf(g)[flavorKey])}`;
  const i = imageKey === null ? "" : `image ${imageKey} ${show(g.image[imageKey])}`;
  return i !== "" && (g.hasImage || g.image[imageKey!] !== undefined) ? `${f}, ${i}` : f;
}

/** A policy about each SevGuest: what it is, the settings it asks the core about, and its judgement. */
export interface GuestPolicy {
  description: string;
  severity: NonNullable<ResourceValidationPolicy["severity"]>;
  configSchema?: PolicyConfigSchema;
  /** The settings the core resolves for the judgement (see probe). */
  settings: SettingName[];
  /** Why the policy does not apply to this stack (from its config), or null when it does. */
  notApplicable?: (args: ResourceValidationArgs) => string | null;
  /** The guest's violation, given what the core resolved of its settings; null when it complies. */
  judge: (g: Guest, resolved: FlavorResult) => Violation | null;
}

/** What a policy found wrong with a guest: reported as `LABEL: found …. Required: …. Fix: ….` (common.ts's message). */
export interface Violation {
  found: string;
  required: string;
  fix: string;
}

/** The one way the pack declares a guest policy: mandatory, run on SevGuests only, with the core's probe of its settings. */
export function guestPolicy(name: string, p: GuestPolicy): ResourceValidationPolicy {
  return {
    name,
    description: p.description,
    enforcementLevel: "mandatory",
    severity: p.severity,
    ...(p.configSchema ? { configSchema: p.configSchema } : {}),
    validateResource: (args, report) => {
      if (!isGuest(args)) return;
      const why = p.notApplicable?.(args) ?? null;
      if (why !== null) args.notApplicable(why);
      const g = guestOf(args);
      const v = p.judge(g, probe(g, p.settings));
      if (v !== null) report(message(g.label, v.found, v.required, v.fix));
    },
  };
}
