/** sev-guest-q35-uefi */
import { NAMES } from "./common";
import { coreSays, guestPolicy, settingOf } from "./guest";

export const q35Uefi = guestPolicy(NAMES.q35Uefi, {
  description: "SEV guests must use a q35 machine (virtio 1.0 on PCIe, for iommu_platform) and UEFI firmware (OVMF).",
  severity: "high",
  settings: ["machine_type", "firmware_type"],
  judge: (g, r) => {
    if (r.ok && /q35/i.test(r.resolved.machineType) && r.resolved.firmware === "uefi") return null;
    const resolved = r.ok ? `resolved to machine ${r.resolved.machineType}, firmware ${r.resolved.firmware}` : coreSays(r);
    return {
      found: `${settingOf(g, "machine_type")}; ${settingOf(g, "firmware_type")} (${resolved})`,
      required: "a q35 machine (q35 or a versioned pc-q35-*; the default when unset) and UEFI firmware (uefi; the default when unset)",
      fix: `set the guest's image properties hw_machine_type to q35 and hw_firmware_type to uefi (or remove them), and remove non-q35 or bios values from flavor ${g.flavorName}'s extensions pulumi-sev:machine_type and pulumi-sev:firmware_type`,
    };
  },
});
