/**
 * A program that breaks every rule of the policy pack (policy/), for `pulumi preview --policy-pack`.
 *
 * - SevHost without memoryLimit (sev-host-machine-slice-limit), its SEV pool capped at 2 slots
 *   (maxGuests) so that two SEV guests leave no free slot (sev-host-slot-headroom; judged once the
 *   host is in the state: its slot capacity is an output, unknown before the first `up`).
 * - "plain-1": amd-sev, the default model (sev-guest-encrypted-state, with requireEncryptedState).
 * - "debug-1": allowDebug and a policy without NODBG and NOKS (sev-guest-policy-nodbg-noks). The
 *   provider accepts both: allowDebug is its opt-in, and it does not require NOKS.
 * - "refused-1": the settings the provider itself refuses, given as image properties (a SevFlavor
 *   with them would already fail its own check, so no guest would ever reach the policies):
 *   hw_mem_encryption false against the flavor's true (sev-guest-memory-encrypted), a pc-i440fx
 *   machine and bios (sev-guest-q35-uefi), a virtio boot disk (sev-guest-no-virtio-blk-boot). Its
 *   check fails, so the engine stops the preview after running the policies on it; it depends on
 *   every other resource so that they are judged first.
 *
 * Config: sev:inventory, sev:host (the lab), policytest:stage = "host" (the host only, to `up`
 * first), "guests" (the valid guests only) or "all" (default).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";

const hostName = new pulumi.Config("sev").get("host") ?? "rome";
const stage = new pulumi.Config("policytest").get("stage") ?? "all";

const host = new SevHost(hostName, { ...inventoryHost(hostName), maxGuests: { sev: 2 } });

if (stage !== "host") {
  const plain = new SevFlavor("sev.plain", {
    name: "sev.plain",
    vcpus: 1,
    memory: "1G",
    disk: 10,
    extraSpecs: { "hw:mem_encryption": true },
  });
  const debug = new SevFlavor("sev.debug", {
    name: "sev.debug",
    vcpus: 1,
    memory: "1G",
    disk: 10,
    extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev" },
    allowDebug: true,
    policy: "0x0030",
  });
  const disk = (name: string) => ({ path: `/var/lib/libvirt/images/${name}.qcow2` });
  const plain1 = new SevGuest("plain-1", { host, flavor: plain, bootDisk: disk("plain-1") });
  const debug1 = new SevGuest("debug-1", { host, flavor: debug, bootDisk: disk("debug-1") });

  if (stage === "all") {
    new SevGuest(
      "refused-1",
      {
        host,
        flavor: plain,
        bootDisk: disk("refused-1"),
        image: { hw_mem_encryption: false, hw_machine_type: "pc-i440fx-8.2", hw_firmware_type: "bios", hw_disk_bus: "virtio" },
      },
      { dependsOn: [plain1, debug1] },
    );
  }
}

export const hostAddress = host.address;
