/**
 * Quickstart: one SEV host, one flavor, two encrypted guests. The host is a lab host by default
 * (`npm run lab -- up`); config `sev:host` picks another inventory entry.
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.get("host") ?? "rome";

const host = new SevHost(hostName, { ...inventoryHost(hostName), memoryLimit: { reserve: "16G" } });

const small = new SevFlavor("sev.small", {
  name: "sev.small",
  vcpus: 2,
  memory: "4G",
  disk: 20,
  extraSpecs: { "hw:mem_encryption": "true", "hw:mem_encryption_model": "amd-sev" },
});

/** The image's properties, under Nova's names (Glance stores them as strings). */
const image = { hw_machine_type: "q35", hw_firmware_type: "uefi", hw_disk_bus: "scsi", hw_scsi_model: "virtio-scsi" } as const;

const guests = ["web-1", "web-2"].map(
  (name) =>
    new SevGuest(name, {
      host,
      flavor: small,
      image,
      bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2` },
    }),
);

export const readiness = pulumi.all([host.ready, host.capacity, host.checks, host.slice]).apply(([ready, capacity, checks, slice]) => ({
  host: hostName,
  ready,
  sevSlots: capacity.sev.total,
  sevEsSlots: capacity.sevEs.total,
  warnings: checks.filter((c) => c.verdict === "warn").map((c) => c.id),
  machineSliceLimit: slice ? `${slice.property}=${slice.limitBytes}` : null,
}));
export const guestStates = pulumi.all(
  guests.map((g) => pulumi.all([g.name, g.state, g.model, g.policy]).apply(([name, state, model, policy]) => ({ name, state, model, policy }))),
);
