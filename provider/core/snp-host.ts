/**
 * What a host needs to launch SEV-SNP guests beyond Nova's model support (kvm_amd.sev_snp and the
 * sev-snp sectype: core/models.ts): the version floors of the stack. Judged at preview for every
 * SNP guest, and again under the host lock before define.
 */
import { HostFacts } from "./facts";
import { Check, describeCheck, failures, versionCheck } from "./checks";

/** KVM SEV-SNP host support (SNP_LAUNCH_* ioctls) was merged in Linux 6.11. */
export const SNP_MIN_KERNEL = "6.11.0";
/** The sev-snp-guest object arrived in QEMU 9.1. */
export const SNP_MIN_QEMU = "9.1.0";
/** <launchSecurity type='sev-snp'> arrived in libvirt 10.5. */
export const SNP_MIN_LIBVIRT = "10.5.0";

export const SNP_REMEDIES = {
  kernel: "upgrade the host kernel to 6.11 or later (KVM's SEV-SNP host support) and reboot into it",
  qemu: "install QEMU 9.1 or later (the first release with the sev-snp-guest object)",
  libvirt: "install libvirt 10.5 or later (the first release with launchSecurity type='sev-snp'; Debian 12: bookworm-backports)",
} as const;

/** Every SNP check of the host, passed or not. */
export function judgeSnpHost(f: HostFacts): Check[] {
  return [
    versionCheck("snp-kernel-version", "Linux kernel version for SEV-SNP", f.kernelRelease, SNP_MIN_KERNEL, SNP_REMEDIES.kernel),
    versionCheck("snp-qemu-version", "QEMU version for SEV-SNP", f.qemuVersion, SNP_MIN_QEMU, SNP_REMEDIES.qemu),
    versionCheck("snp-libvirt-version", "libvirt version for SEV-SNP", f.libvirtVersion, SNP_MIN_LIBVIRT, SNP_REMEDIES.libvirt),
  ];
}

/** One message naming the host, the guest and every failed SNP check with its fix; null when the host can launch SNP guests. */
export function formatSnpRefusal(host: string, guest: string, f: HostFacts): string | null {
  const failed = failures(judgeSnpHost(f));
  if (failed.length === 0) return null;
  return [`host ${host} cannot launch the amd-sev-snp guest ${guest}: ${failed.length} SEV-SNP check${failed.length === 1 ? "" : "s"} failed:`, ...failed.map(describeCheck)].join("\n");
}
