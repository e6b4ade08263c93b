/**
 * Per-host SEV model support through the engine: one lab host, and optionally one guest of a model.
 * Config: sev:host, sev:model (hw:mem_encryption_model; no guest when unset).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.require("host");
const model = config.get("model") as "amd-sev" | "amd-sev-es" | "amd-sev-snp" | undefined;
const host = new SevHost(hostName, inventoryHost(hostName));

if (model !== undefined) {
  const flavor = new SevFlavor("tiny", {
    name: "tiny",
    vcpus: 1,
    memory: 1024,
    disk: 10,
    extraSpecs: { "hw:mem_encryption": "1", "hw:mem_encryption_model": model },
  });
  new SevGuest("g-1", { host, flavor, bootDisk: { path: "/var/lib/libvirt/images/g-1.qcow2" } });
}

export const models = host.models;
