/** Judges HostFacts against what SEV needs; every check carries the fix from the libvirt/Nova docs. */
import { DevSevAccess, HostFacts } from "./facts";
import { atLeast } from "./versions";

export type Verdict = "pass" | "warn" | "fail";

export interface Check {
  id: string;
  verdict: Verdict;
  title: string;
  found: string;
  required: string;
  /** null on pass. */
  remedy: string | null;
}

export const MIN_KERNEL = "4.16.0";
export const MIN_QEMU = "2.12.0";
export const MIN_LIBVIRT = "4.5.0";
export const RECOMMENDED_LIBVIRT = "5.1.0";

export const REMEDIES = {
  kernel: "upgrade the host kernel to 4.16 or later (SEV host support arrived in 4.16) and reboot into it",
  qemu: "install QEMU 2.12.0 or later (the first release with the sev-guest object)",
  libvirt: "install libvirt 4.5.0 or later (5.1.0 or later recommended)",
  libvirtPermission:
    "libvirt < 5.1.0 fails to open /dev/sev during capability probing (Permission denied); install libvirt 5.1.0 or later, or give QEMU access to /dev/sev",
  cpu: "run on an AMD EPYC (or other SEV-capable AMD) CPU with SEV enabled in the BIOS/firmware (SVM, SMEE and SEV settings)",
  kvmAmd:
    "add kvm_amd.sev=1 to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then regenerate grub.cfg) " +
    "or put `options kvm_amd sev=1` in /etc/modprobe.d/sev.conf, then reboot",
  memEncrypt: "add mem_encrypt=on to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then regenerate grub.cfg) and reboot",
  devSev:
    "/dev/sev is created by the ccp driver once the AMD Secure Processor's SEV firmware initialises: load it (modprobe ccp), " +
    "enable SEV in the BIOS, and check `dmesg | grep -i sev` for firmware errors",
  domcaps:
    "stop libvirtd, clear /var/cache/libvirt/qemu/capabilities/, start libvirtd so it re-probes QEMU " +
    "(systemctl stop libvirtd; rm -f /var/cache/libvirt/qemu/capabilities/*; systemctl start libvirtd)",
  devSevAccess:
    "libvirt before 5.1 probes QEMU's SEV support as the QEMU user, who cannot open /dev/sev (Permission denied), and then reports " +
    "<sev supported='no'/>: give that user read and write access (e.g. a udev rule KERNEL==\"sev\", GROUP=\"kvm\", MODE=\"0660\" with the " +
    "QEMU user in kvm), or preferably install libvirt 5.1.0 or later",
  platform:
    "libvirt offers SEV but `virsh nodesevinfo` cannot read the platform's identity from the firmware: check that /dev/sev exists and " +
    "is readable and writable by libvirt and the QEMU user (the dev-sev checks), and `dmesg | grep -i sev` for firmware errors",
  sevEsPool:
    "on EPYC, ASIDs below the BIOS 'minimum SEV non-ES ASID' are SEV-ES ASIDs (SEV-SNP guests use them too); " +
    "it is set to 1, so there are none and every ASID is a plain SEV one. Raise 'SEV-ES ASID Space Limit' / " +
    "'minimum SEV non-ES ASID' in the BIOS (e.g. to 100 for 99 SEV-ES guests) and reboot",
  unreadableDomain: "run `virsh dumpxml UUID` on the host to see why the domain cannot be read (a libvirt or permission problem), and fix it or undefine the domain",
} as const;

function verdictOf(ok: boolean | null, otherwise: Verdict = "fail"): Verdict {
  return ok === true ? "pass" : otherwise;
}

export function check(id: string, title: string, verdict: Verdict, found: string, required: string, remedy: string): Check {
  return { id, verdict, title, found, required, remedy: verdict === "pass" ? null : remedy };
}

export function versionCheck(id: string, title: string, raw: string | null, min: string, remedy: string): Check {
  return check(id, title, verdictOf(atLeast(raw, min)), raw ?? "unknown", `>= ${min}`, remedy);
}

export function checkKernel(f: HostFacts): Check {
  return versionCheck("kernel-version", "Linux kernel version", f.kernelRelease, MIN_KERNEL, REMEDIES.kernel);
}

export function checkQemu(f: HostFacts): Check {
  return versionCheck("qemu-version", "QEMU version", f.qemuVersion, MIN_QEMU, REMEDIES.qemu);
}

export function checkLibvirt(f: HostFacts): Check {
  const base = versionCheck("libvirt-version", "libvirt version", f.libvirtVersion, MIN_LIBVIRT, REMEDIES.libvirt);
  if (base.verdict === "fail" || atLeast(f.libvirtVersion, RECOMMENDED_LIBVIRT)) return base;
  return check(base.id, base.title, "warn", base.found, `>= ${RECOMMENDED_LIBVIRT} recommended`, REMEDIES.libvirtPermission);
}

export function checkCpu(f: HostFacts): Check {
  const found = `vendor ${f.cpu.vendor ?? "unknown"}, ${f.cpu.sev ? "sev flag present" : "no sev flag"}`;
  return check("cpu-sev", "CPU supports SEV", verdictOf(f.cpu.sev), found, "sev in /proc/cpuinfo flags", REMEDIES.cpu);
}

function kvmAmdFound(f: HostFacts): string {
  const k = f.kvmAmd;
  if (!k.loaded) return "kvm_amd not loaded";
  if (k.sev === null) return "kvm_amd loaded, sev parameter absent";
  return `kvm_amd loaded, sev=${k.sev ? 1 : 0}`;
}

export function checkKvmAmd(f: HostFacts): Check {
  const ok = f.kvmAmd.loaded && f.kvmAmd.sev === true;
  return check("kvm-amd-sev", "kvm_amd has SEV enabled", verdictOf(ok), kvmAmdFound(f), "kvm_amd loaded with sev=1", REMEDIES.kvmAmd);
}

export function checkMemEncrypt(f: HostFacts): Check {
  const value = f.cmdline.memEncrypt;
  const found = value === null ? "mem_encrypt not on the kernel command line" : `mem_encrypt=${value}`;
  return check("mem-encrypt", "Host memory encryption on", verdictOf(value === "on"), found, "mem_encrypt=on", REMEDIES.memEncrypt);
}

export function checkDevSev(f: HostFacts): Check {
  return check("dev-sev", "/dev/sev exists", verdictOf(f.devices.sev), f.devices.sev ? "/dev/sev present" : "/dev/sev missing", "/dev/sev", REMEDIES.devSev);
}

function domcapsFound(f: HostFacts): string {
  if (f.domcaps === null) return f.domcapsError ?? "virsh domcapabilities unavailable";
  return f.domcaps.sev.supported ? "<sev supported='yes'>" : "<sev supported='no'/>";
}

export function checkDomcaps(f: HostFacts): Check {
  const ok = f.domcaps?.sev.supported === true;
  return check("domcaps-sev", "libvirt reports SEV in domcapabilities", verdictOf(ok), domcapsFound(f), "<sev supported='yes'>", REMEDIES.domcaps);
}

function mayReadWrite(a: DevSevAccess): boolean {
  const user = a.qemuUser;
  if (user === "root") return true;
  const shift = user === a.owner ? 6 : user !== null && a.qemuGroups.includes(a.group) ? 3 : 0;
  return ((a.mode >> shift) & 0o6) === 0o6;
}

/** /dev/sev readable and writable by the QEMU user: needed while libvirt (before 5.1) probes as that user. */
export function checkDevSevAccess(f: HostFacts): Check {
  const id = "dev-sev-access";
  const title = "/dev/sev readable and writable by the QEMU user";
  const a = f.devSevAccess;
  const required = `read and write for the QEMU user, or libvirt >= ${RECOMMENDED_LIBVIRT}`;
  if (!f.devices.sev || a === null) return check(id, title, "pass", "no /dev/sev (see dev-sev)", required, REMEDIES.devSevAccess);
  const shown = `/dev/sev mode ${a.mode.toString(8).padStart(4, "0")} ${a.owner}:${a.group}, QEMU user ${a.qemuUser ?? "unknown"}`;
  if (atLeast(f.libvirtVersion, RECOMMENDED_LIBVIRT) === true) return check(id, title, "pass", `${shown}; libvirt ${f.libvirtVersion} opens it for QEMU`, required, REMEDIES.devSevAccess);
  return check(id, title, mayReadWrite(a) ? "pass" : "fail", shown, required, REMEDIES.devSevAccess);
}

const PLATFORM_FIELDS = [
  ["cbitpos", "cbitpos"],
  ["reducedPhysBits", "reduced-phys-bits"],
  ["maxGuests", "max-guests"],
  ["maxESGuests", "max-es-guests"],
] as const;

/** What nodesevinfo says against domcapabilities: both come from QEMU's view of the firmware, so a difference means a stale capabilities cache. */
export function checkSevPlatform(f: HostFacts): Check {
  const id = "sev-platform";
  const title = "SEV platform identity (virsh nodesevinfo) agrees with domcapabilities";
  const required = "PDH and certificate chain readable; cbitpos, reduced-phys-bits, max-guests, max-es-guests as in domcapabilities";
  if (f.domcaps?.sev.supported !== true) return check(id, title, "pass", "SEV not offered by libvirt: nothing to compare", required, REMEDIES.platform);
  const p = f.platform;
  if (p === null || p.pdh === null || p.certChain === null) {
    return check(id, title, "warn", `virsh nodesevinfo: ${f.platformError ?? "no PDH or certificate chain"}`, required, REMEDIES.platform);
  }
  const caps = f.domcaps.sev;
  const differ = PLATFORM_FIELDS.filter(([k]) => p[k] !== null && caps[k] !== null && p[k] !== caps[k]);
  if (differ.length > 0) {
    const found = differ.map(([k, name]) => `${name} ${p[k]} (domcapabilities ${caps[k]})`).join(", ");
    return check(id, title, "warn", found, required, REMEDIES.domcaps);
  }
  const shown = PLATFORM_FIELDS.filter(([k]) => p[k] !== null).map(([k, name]) => `${name} ${p[k]}`);
  return check(id, title, "pass", `PDH and certificate chain reported; ${shown.join(", ")}`, required, REMEDIES.platform);
}

/** SEV-ES ASIDs as reported: domcapabilities first, else the misc cgroup capacity. */
function sevEsSlots(f: HostFacts): { slots: number; label: string } | null {
  const fromDomcaps = f.domcaps?.sev.maxESGuests ?? null;
  if (fromDomcaps !== null) return { slots: fromDomcaps, label: "maxESGuests" };
  const fromMisc = f.misc?.sevEs.capacity ?? null;
  return fromMisc === null ? null : { slots: fromMisc, label: "misc.capacity sev_es" };
}

export function checkSevEsPool(f: HostFacts): Check {
  const pool = sevEsSlots(f);
  const empty = pool !== null && pool.slots === 0;
  const reported = pool === null ? "not reported" : `${pool.label} ${pool.slots}`;
  const found = empty ? `SEV-ES pool is empty (${reported})` : reported;
  return check("sev-es-pool", "SEV-ES ASID pool", empty ? "warn" : "pass", found, "at least 1 SEV-ES ASID", REMEDIES.sevEsPool);
}

/** A domain the probe could not read is counted as holding a slot; the operator should know which. */
export function checkDomainsReadable(f: HostFacts): Check {
  const bad = f.unreadableDomains;
  const found = bad.length === 0 ? "every domain readable" : bad.map((d) => `${d.uuid}: ${d.error.split("\n")[0]}`).join("; ");
  return check("domains-readable", "virsh dumpxml reads every domain", bad.length === 0 ? "pass" : "warn", found, "every domain readable (an unreadable one is counted as holding a slot in every pool)", REMEDIES.unreadableDomain);
}

const CHECKS = [checkKernel, checkQemu, checkLibvirt, checkCpu, checkKvmAmd, checkMemEncrypt, checkDevSev, checkDevSevAccess, checkDomcaps, checkSevPlatform, checkSevEsPool, checkDomainsReadable];

export function judgeHost(facts: HostFacts): Check[] {
  return CHECKS.map((c) => c(facts));
}

export function failures(checks: Check[]): Check[] {
  return checks.filter((c) => c.verdict === "fail");
}

export function warnings(checks: Check[]): Check[] {
  return checks.filter((c) => c.verdict === "warn");
}

export function describeCheck(c: Check): string {
  return `- [${c.id}] ${c.title}: found ${c.found}; required ${c.required}. Fix: ${c.remedy ?? "none needed"}`;
}

/** One message naming the host and every failed check, then every warning. */
export function formatHostReport(host: string, checks: Check[]): string {
  const failed = failures(checks);
  const warned = warnings(checks);
  const head =
    failed.length > 0
      ? `host ${host} is not ready for AMD SEV: ${failed.length} check${failed.length === 1 ? "" : "s"} failed:`
      : `host ${host} passed every AMD SEV check.`;
  const lines = [head, ...failed.map(describeCheck)];
  if (warned.length > 0) lines.push(`Warnings (not blocking):`, ...warned.map((c) => `${describeCheck(c)} (warning)`));
  return lines.join("\n");
}
