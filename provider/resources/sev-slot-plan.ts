import * as pulumi from "@pulumi/pulumi";
import { PlannedGuest } from "../generated/sev-slot-plan";
import { QuietDynamicResource } from "./promise-traces";
import type { SevHost } from "./sev-host";
import { RESOURCE_NAMES } from "../core/resource-types";

/**
 * The SEV guests this program declares on one SevHost, made by the SevGuest class (one per host,
 * beside it). Its guests wait for its registration, so the engine checks it before them: at
 * preview they are counted together, and each guest carries only its host's URN.
 */
export class SevSlotPlan extends QuietDynamicResource {
  declare readonly requests: pulumi.Output<PlannedGuest[]>;

  constructor(host: SevHost, requests: pulumi.Input<PlannedGuest[]>) {
    const { name, parent } = host.slotPlanPlace;
    super("sevSlotPlanProvider", name, { host: host.urn, requests }, { parent }, RESOURCE_NAMES.slotPlan);
  }
}
