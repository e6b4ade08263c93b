/** sev-guest-no-virtio-blk-boot */
import { SETTINGS } from "pulumi-sev/core";
import { NAMES } from "./common";
import { coreSays, Guest, guestPolicy, settingOf, specsOf } from "./guest";

function asksVirtio(g: Guest): boolean {
  return specsOf(g)[SETTINGS.disk_bus.flavorKey] === "virtio" || g.image[SETTINGS.disk_bus.imageKey] === "virtio";
}

export const noVirtioBlkBoot = guestPolicy(NAMES.noVirtioBlkBoot, {
  description: "The boot disk of an SEV guest must not be virtio-blk (hw_disk_bus virtio): use scsi (on virtio-scsi) or sata.",
  severity: "high",
  settings: ["disk_bus"],
  judge: (g, r) => {
    // The core resolves the bus by Nova's rules and refuses virtio; other refused buses (ide, usb,
    // fdc) are the provider check's business, not this policy's.
    if (r.ok || !asksVirtio(g)) return null;
    return {
      found: `${settingOf(g, "disk_bus")}: a virtio-blk boot disk (${coreSays(r)})`,
      required: "a boot disk bus of scsi (on a virtio-scsi controller, the default) or sata; virtio-blk is refused for the boot disk of an SEV guest",
      fix: `set the guest's image property hw_disk_bus to scsi (or sata), and remove pulumi-sev:disk_bus virtio from flavor ${g.flavorName}`,
    };
  },
});
