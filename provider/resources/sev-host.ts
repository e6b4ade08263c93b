import * as pulumi from "@pulumi/pulumi";
import { SevHostInputs } from "../generated/sev-host";
import { Check } from "../core/checks";
import { HostFacts, SevPlatformFacts } from "../core/facts";
import { SlotCapacity } from "../core/capacity";
import { ModelSupport } from "../core/models";
import { SliceState } from "../host/state";
import { delegatingProvider } from "./delegate";
import { secretPaths } from "../core/secrets";
import { topLevelSecrets, withSecrets } from "./secrets";
import schema from "../../schema/sev-host.schema.json";

/** Every input may be a Pulumi output; owner is the class's to set. */
export type SevHostArgs = { [K in keyof Omit<SevHostInputs, "owner">]: pulumi.Input<SevHostInputs[K]> };

const SECRET_PATHS = secretPaths(schema);
export const SEV_HOST_TYPE = "pulumi-nodejs:dynamic/sev:SevHost";
const provider = delegatingProvider("sevHostProvider");

/** A KVM hypervisor verified for AMD SEV over SSH, with its machine.slice memory limit. */
export class SevHost extends pulumi.dynamic.Resource {
  declare readonly address: pulumi.Output<string>;
  declare readonly hostKeySeen: pulumi.Output<string>;
  declare readonly facts: pulumi.Output<HostFacts>;
  declare readonly checks: pulumi.Output<Check[]>;
  declare readonly ready: pulumi.Output<boolean>;
  declare readonly capacity: pulumi.Output<SlotCapacity>;
  /** Which SEV models the host runs, with the reasons for each it does not. */
  declare readonly models: pulumi.Output<ModelSupport[]>;
  /** The SEV platform's identity from `virsh nodesevinfo` (PDH, certificate chain, cpu0 ID, cbitpos, ...). */
  declare readonly platform: pulumi.Output<SevPlatformFacts | null>;
  declare readonly slice: pulumi.Output<SliceState | null>;
  declare readonly drift: pulumi.Output<string[]>;
  /** The inputs a guest needs to reach this host (credentials stay secret). */
  readonly connection: pulumi.Output<SevHostInputs>;

  constructor(name: string, args: SevHostArgs, opts?: pulumi.CustomResourceOptions) {
    const secretArgs = withSecrets(args, SECRET_PATHS);
    const outputs = { hostKeySeen: undefined, facts: undefined, checks: undefined, ready: undefined, capacity: undefined, models: undefined, platform: undefined, slice: undefined, drift: undefined };
    const owner = { project: pulumi.getProject(), stack: pulumi.getStack(), urn: pulumi.createUrn(name, SEV_HOST_TYPE, opts?.parent) };
    super(provider, name, { ...secretArgs, owner, ...outputs }, {
      ...opts,
      additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...topLevelSecrets(SECRET_PATHS)],
    }, "sev", "SevHost");
    this.connection = pulumi.output(secretArgs) as pulumi.Output<SevHostInputs>;
  }
}
