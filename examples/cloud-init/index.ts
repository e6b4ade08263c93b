/**
 * A confidential VM you can log into: its root disk made on the host from a base image (a qcow2
 * overlay at the flavor's disk size), a data disk, cloud-init user-data with an SSH key, and its
 * address exported. The host is a lab host by default (`npm run lab -- up`); config `sev:host` picks
 * another inventory entry, `sev:baseImage` the image on the host, `sev:bridge` the host bridge,
 * `sev:sshKey` the public key.
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.get("host") ?? "rome";
const baseImage = config.get("baseImage") ?? "/var/lib/libvirt/images/debian-12-genericcloud-amd64.qcow2";
const bridge = config.get("bridge") ?? "br0";
const sshKey = config.getSecret("sshKey") ?? pulumi.output("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxhYi1vbmx5LWtleS1mb3ItdGhlLWV4YW1wbGUAAAAA lab@example");

const host = new SevHost(hostName, inventoryHost(hostName));

const small = new SevFlavor("sev.small", {
  name: "sev.small",
  vcpus: 2,
  memory: "4G",
  disk: 20,
  extraSpecs: { "hw:mem_encryption": "true", "hw:mem_encryption_model": "amd-sev" },
});

/** A Pulumi secret as every userData is (the schema marks it), whatever it holds. */
const userData = pulumi.interpolate`#cloud-config
users:
  - name: ops
    sudo: ALL=(ALL) NOPASSWD:ALL
    shell: /bin/bash
    ssh_authorized_keys:
      - ${sshKey}
packages:
  - qemu-guest-agent
runcmd:
  - [systemctl, enable, --now, qemu-guest-agent]
`;

const app = new SevGuest("app-1", {
  host,
  flavor: small,
  image: { hw_machine_type: "q35", hw_firmware_type: "uefi", hw_disk_bus: "scsi" },
  bootDisk: { image: baseImage },
  dataDisks: [{ sizeGiB: 10 }],
  networks: [{ bridge }],
  cloudInit: { userData },
  waitForAddress: { timeoutSeconds: 300 },
});

/** Where to log in: the first IPv4 address the guest reports (its QEMU guest agent). */
export const address = app.addresses.apply((ifaces) => ifaces.flatMap((i) => i.addresses).find((a) => a.type === "ipv4")?.address ?? null);
export const addresses = app.addresses;
export const createdFiles = app.createdFiles;
export const state = app.state;
