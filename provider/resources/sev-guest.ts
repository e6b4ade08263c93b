import * as pulumi from "@pulumi/pulumi";
import { GuestCloudInit, SevGuestInputs } from "../generated/sev-guest";
import { PlannedGuest } from "../generated/sev-slot-plan";
import { SevFlavorInputs } from "../generated/sev-flavor";
import { ImageProperties } from "../generated/image-properties";
import { validateFlavor } from "../core/flavor";
import { INTERNAL_KEYS } from "../guest/inputs";
import { QuietDynamicResource } from "./promise-traces";
import { secretPaths } from "../core/secrets";
import { DiskInputs, diskInputProblems, guestDisks, inspectedPaths } from "../core/disks";
import type { GuestInterface } from "../core/parse/domifaddr";
import { topLevelSecrets, withSecrets } from "./secrets";
import { LaunchMeasurement } from "../core/launch-inputs";
import schema from "../../schema/sev-guest.schema.json";
import { SevHost } from "./sev-host";
import { SevFlavor } from "./sev-flavor";
import { SevSlotPlan } from "./sev-slot-plan";
import { RESOURCE_NAMES, RESOURCE_TYPES } from "../core/resource-types";

/** The program's own inputs: owner, and the internal inputs (sev-guest-internal.schema.json), are the class's to set. */
type GuestOwnInputs = Omit<SevGuestInputs, "host" | "flavor" | "owner" | "name">;

/** Each field of cloudInit may be an output too (user-data is often built from secrets and other resources). */
type CloudInitArgs = { [K in keyof GuestCloudInit]: pulumi.Input<GuestCloudInit[K]> };

type PlainArgs = Omit<GuestOwnInputs, "cloudInit">;

/** The arguments of a SevGuest: its inputs (schema/sev-guest.schema.json) with the host and flavor as resources, each may be an Output. */
export type SevGuestArgs = { [K in keyof PlainArgs]: pulumi.Input<PlainArgs[K]> } & {
  cloudInit?: pulumi.Input<CloudInitArgs>;
  host: SevHost;
  flavor: SevFlavor;
  /** libvirt domain name (default: the resource name). */
  name?: pulumi.Input<string>;
};

export const SEV_GUEST_TYPE = RESOURCE_TYPES.guest;
const SECRET_PATHS = secretPaths(schema);

/** An SEV-encrypted libvirt domain on a SevHost. Live migration and suspend are not offered. */
export class SevGuest extends QuietDynamicResource {
  /** The libvirt domain name. */
  declare readonly name: pulumi.Output<string>;
  /** The domain UUID. */
  declare readonly uuid: pulumi.Output<string>;
  /** The SHA-256 (hex) of the domain XML as this resource defined it; the XML itself is the host's (`virsh dumpxml --inactive <uuid>`). */
  declare readonly xmlSha256: pulumi.Output<string>;
  /** The domain state (running, paused, shut off). */
  declare readonly state: pulumi.Output<string>;
  /** The SEV model: amd-sev, amd-sev-es or amd-sev-snp. */
  declare readonly model: pulumi.Output<string>;
  /** The SEV guest policy, hexadecimal. */
  declare readonly policy: pulumi.Output<string>;
  /** Out-of-band differences between the domain and the program, seen at refresh. */
  declare readonly drift: pulumi.Output<string[]>;
  /** `virsh domlaunchsecinfo` after the launch: measurement, API version, build id, policy (SEV-SNP: the policy only). */
  declare readonly launchMeasurement: pulumi.Output<LaunchMeasurement | null>;
  /** Whether launchSecret was injected before the guest ran. */
  declare readonly launchSecretInjected: pulumi.Output<boolean>;
  /** The guest's interfaces (name, MAC) with their IP addresses and prefixes, from its QEMU guest agent or a libvirt network's leases; empty until the guest reports one (refresh reads them again). */
  declare readonly addresses: pulumi.Output<GuestInterface[]>;
  /** The files up made for the guest on its host (root disk from an image, created data disks, cloud-init seed); delete removes them. */
  declare readonly createdFiles: pulumi.Output<string[]>;

  constructor(name: string, args: SevGuestArgs, opts?: pulumi.CustomResourceOptions) {
    const { host, flavor, ...given } = withSecrets(args, SECRET_PATHS);
    // Only what a program may give: a JavaScript caller's slotPlan or deleteBeforeReplace does not override the computed ones.
    const own = Object.fromEntries(Object.entries(given).filter(([k]) => !(INTERNAL_KEYS as string[]).includes(k) && k !== "owner"));
    const owner = { project: pulumi.getProject(), stack: pulumi.getStack(), urn: pulumi.createUrn(name, SEV_GUEST_TYPE, opts?.parent) };
    const slotPlan = planFor(host, planned(name, args, owner.urn, flavor));
    const props = {
      ...own,
      slotPlan,
      deleteBeforeReplace: opts?.deleteBeforeReplace ?? false,
      name: args.name ?? name,
      host: host.connection,
      flavor: flavor.spec,
      owner,
      uuid: undefined,
      xmlSha256: undefined,
      state: undefined,
      model: undefined,
      policy: undefined,
      drift: undefined,
      launchMeasurement: undefined,
      launchSecretInjected: undefined,
      addresses: undefined,
      createdFiles: undefined,
    };
    const secretOutputs = [...(opts?.additionalSecretOutputs ?? []), ...topLevelSecrets(SECRET_PATHS)];
    super(
      "sevGuestProvider",
      name,
      props,
      { ...opts, additionalSecretOutputs: secretOutputs, dependsOn: [host, flavor, ...dependsOnList(opts)] },
      RESOURCE_NAMES.guest,
    );
  }
}

function dependsOnList(opts?: pulumi.CustomResourceOptions): pulumi.Resource[] {
  const d = opts?.dependsOn;
  if (!d) return [];
  return (Array.isArray(d) ? d : [d]) as pulumi.Resource[];
}

interface Declared {
  name: pulumi.Input<string>;
  urn: pulumi.Output<string>;
  flavor: pulumi.Output<SevFlavorInputs>;
  image?: pulumi.Input<ImageProperties | undefined>;
  adopt?: pulumi.Input<boolean | undefined>;
  /** The paths of the guest's disks when the program gives them as plain values (an output is not waited for, as the name). */
  paths?: string[];
}

/**
 * A guest as its host's plan lists it. A domain name given as an output is not waited for: it may
 * come from another guest of the host, whose registration waits for the plan. The entry then names
 * the resource and is not taken for an adoption (its domain is not known yet); the guest's own
 * check counts it as it is.
 */
function planned(name: string, args: SevGuestArgs, urn: pulumi.Output<string>, flavor: SevFlavor): Declared {
  const known = args.name === undefined || typeof args.name === "string";
  return {
    name: known ? (args.name ?? name) : name,
    urn,
    flavor: flavor.spec,
    image: args.image,
    adopt: known ? args.adopt : undefined,
    paths: known ? plainPaths(args, (args.name as string | undefined) ?? name) : undefined,
  };
}

/** The paths the guest's disks involve, when every input they come from is a plain value (a wrong one is the guest's own check's to report). */
function plainPaths(args: SevGuestArgs, name: string): string[] | undefined {
  const { bootDisk, dataDisks, cloudInit, imagesDir, configDrive } = args as Record<string, unknown>;
  // Of cloudInit only its presence places a file (its contents may well be outputs: secrets).
  if (![bootDisk, dataDisks, imagesDir].every(isPlain) || pulumi.Output.isInstance(cloudInit)) return undefined;
  const inputs = { name, bootDisk, dataDisks, cloudInit: cloudInit === undefined ? undefined : { userData: "" }, imagesDir } as DiskInputs;
  try {
    if (diskInputProblems(inputs, configDrive as string | undefined).length > 0) return undefined;
    return inspectedPaths(guestDisks(inputs, 0)).map((i) => i.path);
  } catch {
    return undefined;
  }
}

/** A value with no Output or Promise anywhere in it. */
function isPlain(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) return false;
  if (Array.isArray(v)) return v.every(isPlain);
  return v === null || typeof v !== "object" || Object.values(v).every(isPlain);
}

/** The guests this program declares, per host, in declaration order, and the host's URN once their plan is registered. */
const declared = new WeakMap<SevHost, { guests: Declared[]; planned: pulumi.Output<string> }>();

/**
 * The host's SevSlotPlan lists every guest on it, resolved after the program has declared them all
 * (outputs resolve asynchronously, after the synchronous declarations). A guest waits for the
 * plan's registration, so the engine has checked the plan before the guest: the plan travels
 * once per host, and each guest carries only the host's URN.
 */
function planFor(host: SevHost, guest: Declared): pulumi.Output<string> {
  let entry = declared.get(host);
  if (!entry) {
    const guests: Declared[] = [];
    const plan = new SevSlotPlan(
      host,
      host.urn.apply(() => plannedGuests(guests)),
    );
    entry = { guests, planned: pulumi.all([plan.urn, host.urn]).apply(([, hostUrn]) => hostUrn) };
    declared.set(host, entry);
  }
  entry.guests.push(guest);
  return entry.planned;
}

function plannedGuests(guests: Declared[]): pulumi.Output<PlannedGuest[]> {
  return pulumi.all(guests.map((g) => pulumi.all([g.name, g.urn, g.flavor, g.image, g.adopt]).apply((row) => [...row, g.paths] as const))).apply((rows) =>
    rows.flatMap(([name, urn, flavor, image, adopt, paths]) => {
      const resolved = validateFlavor(flavor, image);
      const disk = !adopt && paths !== undefined ? { paths } : {};
      return resolved.ok ? [{ name, urn, model: resolved.resolved.model, ...(adopt ? { adopt: true } : {}), ...disk }] : [];
    }),
  );
}
