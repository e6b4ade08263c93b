import * as pulumi from "@pulumi/pulumi";
import { SevFlavorInputs } from "../generated/sev-flavor";
import { ResolvedFlavor } from "../core/flavor";
import { QuietDynamicResource } from "./promise-traces";
import { RESOURCE_NAMES } from "../core/resource-types";

/** The arguments of a SevFlavor: its inputs (schema/sev-flavor.schema.json), each of which may be an Output. */
export type SevFlavorArgs = { [K in keyof SevFlavorInputs]: pulumi.Input<SevFlavorInputs[K]> };

/** A validated SEV guest shape with OpenStack Nova's extra-spec semantics. Touches no host. */
export class SevFlavor extends QuietDynamicResource {
  declare readonly resolved: pulumi.Output<ResolvedFlavor>;
  /** The flavor's inputs, as guests take them. */
  readonly spec: pulumi.Output<SevFlavorInputs>;

  constructor(name: string, args: SevFlavorArgs, opts?: pulumi.CustomResourceOptions) {
    super("sevFlavorProvider", name, { ...args, resolved: undefined }, opts, RESOURCE_NAMES.flavor);
    this.spec = pulumi.output(args) as pulumi.Output<SevFlavorInputs>;
  }
}
