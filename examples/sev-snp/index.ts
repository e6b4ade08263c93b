/**
 * SEV-SNP: integrity-protected guest memory. Needs a host with SNP enabled and the stack at its
 * floors (Linux 6.11, QEMU 9.1, libvirt 10.5): genoa-snp in the lab; other hosts are refused at preview.
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.get("host") ?? "genoa-snp";
const host = new SevHost(hostName, inventoryHost(hostName));

const snpFlavor = new SevFlavor("snp.medium", {
  name: "snp.medium",
  vcpus: 4,
  memory: "8G",
  disk: 40,
  extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-snp" },
  // The SNP guest policy; default 0x30000 (SMT allowed, bit 17 set).
  policy: config.get("policy"),
});

const guest = new SevGuest("attested-1", { host, flavor: snpFlavor, bootDisk: { path: "/var/lib/libvirt/images/attested-1.qcow2" } });

export const snp = pulumi
  .all([guest.name, guest.model, guest.policy, guest.state, guest.drift])
  .apply(([name, model, policy, state, drift]) => ({ name, model, policy, state, drift }));
