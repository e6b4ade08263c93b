import * as pulumi from "@pulumi/pulumi";
import { SevHostInputs, SshConfigResolved } from "../generated/sev-host";
import { Check } from "../core/checks";
import { HostFacts, SevPlatformFacts } from "../core/facts";
import { SlotCapacity } from "../core/capacity";
import { ModelSupport } from "../core/models";
import { SliceState } from "../host/state";
import { QuietDynamicResource } from "./promise-traces";
import { FLEET_KEY } from "./inputs";
import { secretPaths } from "../core/secrets";
import { topLevelSecrets, withSecrets } from "./secrets";
import { withSshConfig } from "./ssh-config";
import schema from "../../schema/sev-host.schema.json";
import { RESOURCE_NAMES, RESOURCE_TYPES } from "../core/resource-types";

/** Every input may be a Pulumi output; owner and sshConfigResolved are the class's to set. */
export type SevHostArgs = { [K in keyof Omit<SevHostInputs, "owner" | "sshConfigResolved">]: pulumi.Input<SevHostInputs[K]> };

const SECRET_PATHS = secretPaths(schema);
export const SEV_HOST_TYPE = RESOURCE_TYPES.host;

/** A KVM hypervisor verified for AMD SEV over SSH, with its machine.slice memory limit. */
export class SevHost extends QuietDynamicResource {
  /** The address connected to (HostName when sshConfig resolved it). */
  declare readonly address: pulumi.Output<string>;
  /** The SHA256 fingerprint of the host key the host presented. */
  declare readonly hostKeySeen: pulumi.Output<string>;
  /** What the probe read: kernel, CPU flags, kvm_amd parameters, versions, domcapabilities, machine.slice, misc cgroup (the SEV platform's identity is `platform`). */
  declare readonly facts: pulumi.Output<Omit<HostFacts, "platform">>;
  /** Every readiness check with its verdict (pass, warn, fail), what was found, what is required and the fix. */
  declare readonly checks: pulumi.Output<Check[]>;
  /** No check failed: the host runs SEV guests (warnings allowed). */
  declare readonly ready: pulumi.Output<boolean>;
  /** SEV and SEV-ES slot (ASID) totals, where each comes from, and the SEV domains on the host. */
  declare readonly capacity: pulumi.Output<SlotCapacity>;
  /** Which SEV models the host runs, with the reasons for each it does not. */
  declare readonly models: pulumi.Output<ModelSupport[]>;
  /** The SEV platform's identity from `virsh nodesevinfo` (PDH, certificate chain, cpu0 ID, cbitpos, ...). */
  declare readonly platform: pulumi.Output<SevPlatformFacts | null>;
  /** The machine.slice limit this resource set: property, limit, the value before, the value now. */
  declare readonly slice: pulumi.Output<SliceState | null>;
  /** Differences from what the program declared, seen at refresh (a check that now fails, a changed limit). */
  declare readonly drift: pulumi.Output<string[]>;
  /** What sshConfig took from the OpenSSH client config (paths and values, never a key); absent without sshConfig. */
  declare readonly sshConfigResolved: pulumi.Output<SshConfigResolved | undefined>;
  /** The inputs a guest needs to reach this host (credentials stay secret). */
  readonly connection: pulumi.Output<SevHostInputs>;
  /** Where the host's SevSlotPlan goes: beside the host, named after it (not under it: the engine protects the children of a protected resource). */
  readonly slotPlanPlace: { name: string; parent?: pulumi.Resource };

  constructor(name: string, args: SevHostArgs, opts?: pulumi.CustomResourceOptions) {
    const secretArgs = withSecrets(withSshConfig(args), SECRET_PATHS);
    const outputs = {
      hostKeySeen: undefined,
      facts: undefined,
      checks: undefined,
      ready: undefined,
      capacity: undefined,
      models: undefined,
      platform: undefined,
      slice: undefined,
      drift: undefined,
    };
    const owner = { project: pulumi.getProject(), stack: pulumi.getStack(), urn: pulumi.createUrn(name, SEV_HOST_TYPE, opts?.parent) };
    const connection = pulumi.output(secretArgs) as pulumi.Output<SevHostInputs>;
    super(
      "sevHostProvider",
      name,
      { ...secretArgs, owner, ...outputs, [FLEET_KEY]: fleetHint(connection) },
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...topLevelSecrets(SECRET_PATHS)],
      },
      RESOURCE_NAMES.host,
    );
    this.connection = connection;
    this.slotPlanPlace = { name: `${name}-slot-plan`, parent: opts?.parent };
    whenRegistered(this);
  }
}

/** The hosts this program declares, in declaration order; the others wait for the first to be registered. */
const fleet: pulumi.Output<SevHostInputs>[] = [];
const firstRegistered: Promise<null>[] = [];

/**
 * The first SevHost tells the provider every host of the program, so that their probes start at
 * its check (host/recent.ts); its check leaves the list out of the inputs it returns, so it is
 * never stored. The list resolves once the program's synchronous declarations are done; the other
 * hosts reach the engine only after the first (without depending on it), so its check comes first.
 */
function fleetHint(connection: pulumi.Output<SevHostInputs>): pulumi.Output<SevHostInputs[] | null> {
  fleet.push(connection);
  if (fleet.length > 1) return pulumi.output(firstRegistered[0]);
  const afterDeclarations = new Promise<number>((done) => setImmediate(() => done(0)));
  return pulumi.output(afterDeclarations).apply(() => pulumi.all(fleet)) as pulumi.Output<SevHostInputs[]>;
}

function whenRegistered(host: SevHost): void {
  if (firstRegistered.length === 0) firstRegistered.push(new Promise((done) => host.urn.apply(() => done(null))));
}
