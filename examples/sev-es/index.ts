/**
 * SEV-ES: encrypted register state too. Needs a host that runs SEV-ES (QEMU 8.0, kvm_amd.sev_es, SNP
 * not enabled: see the SevHost's models output) and whose SEV-ES pool is not empty (rome in the lab).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../lab-inventory";

const hostName = new pulumi.Config("sev").get("host") ?? "rome";
const host = new SevHost(hostName, inventoryHost(hostName));

const esFlavor = new SevFlavor("sev-es.medium", {
  name: "sev-es.medium",
  vcpus: 4,
  memory: "8G",
  disk: 40,
  extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" },
});

const vault = new SevGuest("vault-1", {
  host,
  flavor: esFlavor,
  image: { hw_disk_bus: "sata" },
  bootDisk: { path: "/var/lib/libvirt/images/vault-1.qcow2", format: "raw" },
});

export const guest = pulumi.all([vault.name, vault.model, vault.policy, vault.state]).apply(([name, model, policy, state]) => ({ name, model, policy, state }));
export const sevEsSlots = host.capacity.apply((c) => c.sevEs);
