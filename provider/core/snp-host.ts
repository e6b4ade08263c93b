/**
 * What a host needs to launch an SEV-SNP guest beyond Nova's model support (kvm_amd.sev_snp and the
 * sev-snp sectype: core/models.ts): the version floors of the stack, and the guest's SNP policy
 * against the host (SMT, SINGLE_SOCKET, minimum firmware ABI). Judged at preview for every SNP
 * guest, and again under the host lock before define.
 */
import { HostFacts } from "./facts";
import { Check, check, describeCheck, failures, versionCheck } from "./checks";
import { SNP_POLICY } from "./flavor/policy";
import { formatPolicy } from "./models";

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
  smt:
    "the firmware refuses to launch a guest whose policy clears SMT (bit 16, 0x10000) while SMT is active on the host: set the bit, " +
    "or turn SMT off (echo off > /sys/devices/system/cpu/smt/control, or in the BIOS)",
  singleSocket:
    "a policy with SINGLE_SOCKET (bit 20, 0x100000) launches only if the guest runs on one socket, and this provider does not pin vCPUs: " +
    "clear the bit, or run the guest on a one-socket host",
  abi:
    "the policy's minimum firmware ABI (bits 8-15 major, 0-7 minor) is newer than the host's SEV firmware: update the firmware " +
    "(a BIOS update, or the amd_sev_fam19h_*.sbin from linux-firmware, loaded by the ccp driver) or lower the policy's minimum",
} as const;

const on = (policy: bigint, bit: bigint) => (policy & bit) !== 0n;

/** The guest's SNP policy against the host: SMT, SINGLE_SOCKET and the minimum firmware ABI. */
function policyChecks(f: HostFacts, p: bigint): Check[] {
  const shown = formatPolicy(p, "sev-snp");
  const smtClear = !on(p, SNP_POLICY.SMT) && f.smtActive === true;
  const smt = check(
    "snp-policy-smt",
    "SNP policy SMT bit against the host's SMT",
    smtClear ? "fail" : "pass",
    `policy ${shown} ${on(p, SNP_POLICY.SMT) ? "allows" : "forbids"} SMT; host SMT ${f.smtActive === null ? "unknown" : f.smtActive ? "active" : "off"}`,
    "SMT allowed by the policy (bit 16) whenever SMT is active",
    SNP_REMEDIES.smt,
  );
  const spread = on(p, SNP_POLICY.SINGLE_SOCKET) && (f.sockets ?? 1) > 1;
  const socket = check(
    "snp-policy-single-socket",
    "SNP policy SINGLE_SOCKET against the host's sockets",
    spread ? "fail" : "pass",
    `policy ${shown} ${on(p, SNP_POLICY.SINGLE_SOCKET) ? "sets" : "leaves"} SINGLE_SOCKET; host sockets ${f.sockets ?? "unknown"}`,
    "SINGLE_SOCKET (bit 20) only on a one-socket host",
    SNP_REMEDIES.singleSocket,
  );
  const want = [Number((p >> 8n) & 0xffn), Number(p & 0xffn)];
  const fw = f.sevFirmware;
  const tooNew = fw !== null && (want[0] > fw.apiMajor || (want[0] === fw.apiMajor && want[1] > fw.apiMinor));
  const abi = check(
    "snp-policy-abi",
    "SNP policy minimum firmware ABI against the host's firmware",
    tooNew ? "fail" : "pass",
    `policy ${shown} needs ABI ${want[0]}.${want[1]}; host firmware ${fw === null ? "unknown (not in the kernel log)" : `${fw.apiMajor}.${fw.apiMinor} build ${fw.buildId}`}`,
    `firmware ABI >= ${want[0]}.${want[1]}`,
    SNP_REMEDIES.abi,
  );
  return [smt, socket, abi];
}

/** Every SNP check of the host, passed or not; with the guest's policy, also the policy against the host. */
export function judgeSnpHost(f: HostFacts, policy?: number | bigint): Check[] {
  const hostChecks = [
    versionCheck("snp-kernel-version", "Linux kernel version for SEV-SNP", f.kernelRelease, SNP_MIN_KERNEL, SNP_REMEDIES.kernel),
    versionCheck("snp-qemu-version", "QEMU version for SEV-SNP", f.qemuVersion, SNP_MIN_QEMU, SNP_REMEDIES.qemu),
    versionCheck("snp-libvirt-version", "libvirt version for SEV-SNP", f.libvirtVersion, SNP_MIN_LIBVIRT, SNP_REMEDIES.libvirt),
  ];
  return policy === undefined ? hostChecks : [...hostChecks, ...policyChecks(f, BigInt(policy))];
}

/** One message naming the host, the guest and every failed SNP check with its fix; null when the host can launch SNP guests. */
export function formatSnpRefusal(host: string, guest: string, f: HostFacts, policy?: number | bigint): string | null {
  const failed = failures(judgeSnpHost(f, policy));
  if (failed.length === 0) return null;
  return [
    `host ${host} cannot launch the amd-sev-snp guest ${guest}: ${failed.length} SEV-SNP check${failed.length === 1 ? "" : "s"} failed:`,
    ...failed.map(describeCheck),
  ].join("\n");
}
