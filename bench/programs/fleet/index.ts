/**
 * The fleet of the benchmarks: every host of the lab inventory with `sev:guestsPerHost` SEV guests
 * each. With `sev:empty` true, the same resources (same names, inputs and dependencies) are empty
 * dynamic resources whose provider does nothing: the engine's own cost for this program.
 * With `sev:mode` "bare", the bare engine: the same graph of empty resources with no inputs but a name.
 * Config: sev:inventory, sev:guestsPerHost, sev:empty, sev:mode, sev:sevEs (SEV-ES guests: a larger pool per host),
 * sev:fromImage (each guest's root disk made from the host's base.qcow2, with a cloud-init seed).
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { SevFlavor, SevFlavorInputs, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";
import { FLAVOR } from "./flavor";

const config = new pulumi.Config("sev");
const perHost = config.requireNumber("guestsPerHost");
const empty = config.getBoolean("empty") ?? false;
const names: string[] = JSON.parse(readFileSync(config.require("inventory"), "utf8")).hosts.map((h: { name: string }) => h.name);
const sevEs = config.getBoolean("sevEs") ?? false;
const flavorSpec: Record<string, unknown> & SevFlavorInputs = sevEs
  ? { ...FLAVOR, extraSpecs: { ...FLAVOR.extraSpecs, "hw:mem_encryption_model": "amd-sev-es" } }
  : { ...FLAVOR };
const fromImage = config.getBoolean("fromImage") ?? false;
/** The guest's disks: its own boot disk on the host, or (fromImage) a root disk and a seed that up makes. */
const disks = (guest: string) =>
  fromImage
    ? { bootDisk: { image: "/var/lib/libvirt/images/base.qcow2" }, cloudInit: { userData: `#cloud-config\nhostname: ${guest}\n` } }
    : { bootDisk: { path: `/var/lib/libvirt/images/${guest}.qcow2` } };

/** A provider that does nothing, in the program itself: what the engine costs without ours. */
const nothing: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: String(inputs.name), outs: inputs };
  },
};

class Empty extends pulumi.dynamic.Resource {
  constructor(type: string, name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
    super(nothing, name, props, opts, "sev", type);
  }
}

function fleet(): void {
  const flavor = new SevFlavor("sev.tiny", flavorSpec);
  for (const n of names) {
    const host = new SevHost(n, inventoryHost(n));
    for (let g = 0; g < perHost; g++) new SevGuest(`${n}-g${g}`, { host, flavor, ...disks(`${n}-g${g}`) });
  }
}

function emptyFleet(): void {
  const flavor = new Empty("SevFlavor", "sev.tiny", flavorSpec);
  for (const n of names) {
    const connection = inventoryHost(n);
    const host = new Empty("SevHost", n, { ...connection });
    for (let g = 0; g < perHost; g++) {
      new Empty("SevGuest", `${n}-g${g}`, { host: connection, flavor: flavorSpec, name: `${n}-g${g}`, ...disks(`${n}-g${g}`) }, { dependsOn: [host, flavor] });
    }
  }
}

/**
 * The bare engine: the same resources and dependencies as fleet() (a flavor; per host a SevHost and
 * its SevSlotPlan; the guests after their host, flavor and plan), each an empty dynamic resource
 * with no input but its name. A floor that carries nothing of our design.
 */
function bareFleet(): void {
  const flavor = new Empty("SevFlavor", "sev.tiny", { name: "sev.tiny" });
  for (const n of names) {
    const host = new Empty("SevHost", n, { name: n });
    const plan = new Empty("SevSlotPlan", `${n}-slot-plan`, { name: `${n}-slot-plan` }, { dependsOn: [host] });
    for (let g = 0; g < perHost; g++) new Empty("SevGuest", `${n}-g${g}`, { name: `${n}-g${g}` }, { dependsOn: [host, flavor, plan] });
  }
}

const mode = config.get("mode") ?? (empty ? "same-inputs" : "real");
if (mode === "bare") bareFleet();
else if (mode === "same-inputs") emptyFleet();
else fleet();
