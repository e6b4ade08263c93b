/**
 * A program the policy pack (policy/) passes: the host keeps memory for itself, the guest is
 * SEV-ES on q35 + UEFI with a scsi boot disk, memory encryption requested and the default policy
 * (0x0037: NODBG and NOKS set). Config: sev:inventory, sev:host (the lab).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";

const hostName = new pulumi.Config("sev").get("host") ?? "rome";

const host = new SevHost(hostName, { ...inventoryHost(hostName), memoryLimit: { reserve: "1G" } });

const flavor = new SevFlavor("sev-es.small", {
  name: "sev-es.small",
  vcpus: 2,
  memory: "2G",
  disk: 20,
  extraSpecs: {
    "hw:mem_encryption": true,
    "hw:mem_encryption_model": "amd-sev-es",
    "pulumi-sev:machine_type": "q35",
    "pulumi-sev:firmware_type": "uefi",
    "pulumi-sev:disk_bus": "scsi",
  },
});

const guest = new SevGuest("vault-1", {
  host,
  flavor,
  bootDisk: { path: "/var/lib/libvirt/images/vault-1.qcow2" },
  image: { hw_mem_encryption: true, hw_firmware_type: "uefi", hw_disk_bus: "scsi" },
});

export const guestModel = guest.model;
export const guestPolicy = guest.policy;
