/**
 * Judges HostFacts against what SEV guests need. Each check is judged by its effect: it fails only
 * when the host's own evidence shows that SEV guests cannot run, and warns where the cause it looks
 * for may be there but its effect is not shown, or where a setting is recommended, not needed.
 * CHECKS below says, for each, what a pass establishes and from which evidence.
 */
import { DevSevAccess, HostFacts } from "./facts";
import { atLeast } from "./versions";

/** A check's outcome: pass, warn (the host can run SEV guests; something deserves attention) or fail (it cannot). */
export type Verdict = "pass" | "warn" | "fail";

/** One readiness check of a host: what was found, what is required and, unless it passed, the remedy. */
export interface Check {
  id: string;
  verdict: Verdict;
  title: string;
  found: string;
  required: string;
  /** null on pass. */
  remedy: string | null;
}

/** The oldest kernel with SEV guest support in KVM (4.16). */
export const MIN_KERNEL = "4.16.0";
/** The oldest QEMU that launches SEV guests (2.12). */
export const MIN_QEMU = "2.12.0";
/** The oldest libvirt with <launchSecurity type='sev'> (4.5). */
export const MIN_LIBVIRT = "4.5.0";
export const RECOMMENDED_LIBVIRT = "5.1.0";

const KVM_AMD_SOURCES =
  "current kernels turn kvm_amd's sev on by default (sev_enabled = true in arch/x86/kvm/svm/sev.c) whenever the CPU and firmware offer SEV; " +
  "older ones tied the default to CONFIG_AMD_MEM_ENCRYPT_ACTIVE_BY_DEFAULT";

/** The fix for each failed or warned check, by check id. */
export const REMEDIES = {
  kernel: "upgrade the host kernel to 4.16 or later (SEV host support arrived in 4.16) and reboot into it",
  kernelBackport:
    "the release predates 4.16, yet kvm_amd reports SEV on (a distribution backport): nothing to do if SEV guests launch; " +
    "otherwise upgrade to a 4.16 or later kernel",
  qemu: "install QEMU 2.12.0 or later (the first release with the sev-guest object)",
  libvirt: "install libvirt 4.5.0 or later (5.1.0 or later recommended)",
  backport: "libvirt reports <sev supported='yes'> all the same (a distribution backport): nothing to do if SEV guests launch",
  libvirtPermission:
    "libvirt < 5.1.0 fails to open /dev/sev during capability probing (Permission denied); install libvirt 5.1.0 or later, or give QEMU access to /dev/sev",
  cpu:
    "the kernel lists the sev flag only when the BIOS has enabled memory encryption (early_detect_mem_encrypt in arch/x86/kernel/cpu/amd.c " +
    "clears it otherwise): in the BIOS/firmware set SVM Mode on, SMEE (Secure Memory Encryption) on and SEV on (with a non-zero " +
    "'SEV ASID Count' / 'SEV-ES ASID Space Limit'), then reboot; on a CPU that is not an AMD EPYC (or other SEV-capable AMD) there is no SEV",
  kvmAmdNotLoaded: "load kvm_amd (modprobe kvm_amd; SVM must be on in the BIOS, see `dmesg | grep -i kvm`), then check /sys/module/kvm_amd/parameters/sev",
  kvmAmdNoParam:
    "this kernel's kvm_amd has no sev parameter: it was built without CONFIG_KVM_AMD_SEV (or predates 4.16); install a kernel with KVM SEV support",
  kvmAmd:
    `${KVM_AMD_SOURCES}, so sev=0 means something disabled it or the kernel found no SEV: look for kvm_amd.sev=0 in /proc/cmdline ` +
    "and `options kvm_amd sev=0` in /etc/modprobe.d/ (grep -r kvm_amd /etc/modprobe.d /etc/default/grub) and remove it, " +
    "read `dmesg | grep -i sev` for why SEV was not set up, and on an older kernel set kvm_amd.sev=1 (the kernel command line, " +
    "or `options kvm_amd sev=1` in /etc/modprobe.d/sev.conf); then reboot",
  memEncrypt:
    "SME (mem_encrypt=on) encrypts the host's own memory, which protects against a physical attack on the hypervisor's memory " +
    "(libvirt docs/kbase/launch_security_sev.rst); SEV guests do not need it. To have it, add mem_encrypt=on to the kernel command line " +
    "(GRUB_CMDLINE_LINUX in /etc/default/grub, then regenerate grub.cfg) with SMEE on in the BIOS, and reboot",
  devSev:
    "/dev/sev is created by the ccp driver once the AMD Secure Processor's SEV firmware initialises: load it (modprobe ccp), " +
    "enable SEV in the BIOS, and check `dmesg | grep -i sev` for firmware errors",
  domcaps:
    "stop libvirtd, clear /var/cache/libvirt/qemu/capabilities/, start libvirtd so it re-probes QEMU " +
    "(systemctl stop libvirtd; rm -f /var/cache/libvirt/qemu/capabilities/*; systemctl start libvirtd)",
  devSevAccess:
    "libvirt before 5.1 probes QEMU's SEV support as the QEMU user, who cannot open /dev/sev (Permission denied), and then reports " +
    '<sev supported=\'no\'/>: give that user read and write access (e.g. a udev rule KERNEL=="sev", GROUP="kvm", MODE="0660" with the ' +
    "QEMU user in kvm), or preferably install libvirt 5.1.0 or later",
  platform:
    "libvirt offers SEV but `virsh nodesevinfo` cannot read the platform's identity from the firmware: check that /dev/sev exists and " +
    "is readable and writable by libvirt and the QEMU user (the dev-sev checks), and `dmesg | grep -i sev` for firmware errors",
  sevEsPool:
    "on EPYC, ASIDs below the BIOS 'minimum SEV non-ES ASID' are SEV-ES ASIDs (SEV-SNP guests use them too); " +
    "it is set to 1, so there are none and every ASID is a plain SEV one. Raise 'SEV-ES ASID Space Limit' / " +
    "'minimum SEV non-ES ASID' in the BIOS (e.g. to 100 for 99 SEV-ES guests) and reboot",
  unreadableDomain:
    "run `virsh dumpxml UUID` on the host to see why the domain cannot be read (a libvirt or permission problem), and fix it or undefine the domain",
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

/**
 * A version floor judged by its effect: below it (or unreadable) fails, unless the host shows the
 * feature the floor stands for all the same (`effect`: what shows it), which is a warning.
 */
function floorCheck(base: Check, effect: string | null, backportRemedy: string): Check {
  if (base.verdict === "pass" || effect === null) return base;
  return check(base.id, base.title, "warn", `${base.found}, but ${effect}`, base.required, backportRemedy);
}

const sevOffered = (f: HostFacts) => f.domcaps?.sev.supported === true;

export function checkKernel(f: HostFacts): Check {
  const base = versionCheck("kernel-version", "Linux kernel version", f.kernelRelease, MIN_KERNEL, REMEDIES.kernel);
  return floorCheck(base, f.kvmAmd.sev === true ? "kvm_amd reports sev on" : null, REMEDIES.kernelBackport);
}

export function checkQemu(f: HostFacts): Check {
  const base = versionCheck("qemu-version", "QEMU version", f.qemuVersion, MIN_QEMU, REMEDIES.qemu);
  return floorCheck(base, sevOffered(f) ? "libvirt reports <sev supported='yes'> for it" : null, `${REMEDIES.backport}; otherwise ${REMEDIES.qemu}`);
}

export function checkLibvirt(f: HostFacts): Check {
  const base = versionCheck("libvirt-version", "libvirt version", f.libvirtVersion, MIN_LIBVIRT, REMEDIES.libvirt);
  if (base.verdict === "fail")
    return floorCheck(base, sevOffered(f) ? "it reports <sev supported='yes'>" : null, `${REMEDIES.backport}; otherwise ${REMEDIES.libvirt}`);
  if (atLeast(f.libvirtVersion, RECOMMENDED_LIBVIRT)) return base;
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
  const given = f.cmdline.kvmAmdSev === null ? "" : ` (kvm_amd.sev=${f.cmdline.kvmAmdSev} on the kernel command line)`;
  return `kvm_amd loaded, sev=${k.sev ? 1 : 0}${given}`;
}

function kvmAmdRemedy(f: HostFacts): string {
  if (!f.kvmAmd.loaded) return REMEDIES.kvmAmdNotLoaded;
  return f.kvmAmd.sev === null ? REMEDIES.kvmAmdNoParam : REMEDIES.kvmAmd;
}

export function checkKvmAmd(f: HostFacts): Check {
  const ok = f.kvmAmd.loaded && f.kvmAmd.sev === true;
  return check(
    "kvm-amd-sev",
    "kvm_amd has SEV enabled",
    verdictOf(ok),
    kvmAmdFound(f),
    "kvm_amd loaded with sev on (its default on current kernels)",
    kvmAmdRemedy(f),
  );
}

function smeFound(f: HostFacts): string {
  const value = f.cmdline.memEncrypt;
  const cmdline = value === null ? "mem_encrypt not on the kernel command line" : `mem_encrypt=${value}`;
  return `${cmdline}, ${f.cpu.sme ? "sme flag present" : "no sme flag (SME inactive)"}`;
}

/** SME: the kernel keeps the sme flag only while SME is active (early_detect_mem_encrypt); SEV guests run without it. */
export function checkMemEncrypt(f: HostFacts): Check {
  const on = f.cpu.sme && f.cmdline.memEncrypt !== "off";
  return check(
    "mem-encrypt",
    "Host memory encryption (SME) on: recommended, not needed by SEV guests",
    on ? "pass" : "warn",
    smeFound(f),
    "mem_encrypt=on (recommended)",
    REMEDIES.memEncrypt,
  );
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

/** Whether the QEMU user may open /dev/sev; null when the user is unknown and the mode does not open it to everyone. */
function mayReadWrite(a: DevSevAccess): boolean | null {
  const user = a.qemuUser;
  const rw = (shift: number) => ((a.mode >> shift) & 0o6) === 0o6;
  if (user === null) return rw(0) ? true : null;
  if (user === "root") return true;
  return rw(user === a.owner ? 6 : a.qemuGroups.includes(a.group) ? 3 : 0);
}

/** What shows libvirt's probe could not use /dev/sev: true when it failed, false when it succeeded, null when unknown. */
function probeFailed(f: HostFacts): { failed: boolean | null; shown: string } {
  if (f.domcaps?.sev.supported === true) return { failed: false, shown: "<sev supported='yes'> (libvirt's probe opened it)" };
  if (/permission denied/i.test(f.platformError ?? "")) return { failed: true, shown: `virsh nodesevinfo: ${f.platformError}` };
  if (f.domcaps !== null) return { failed: true, shown: "<sev supported='no'/>" };
  return { failed: null, shown: "domcapabilities unavailable" };
}

/**
 * /dev/sev open to the QEMU user, the cause of libvirt (before 5.1) reporting no SEV: fails only
 * when that effect is there and the user is known to be refused; unknown facts are a warning.
 */
export function checkDevSevAccess(f: HostFacts): Check {
  const id = "dev-sev-access";
  const title = "/dev/sev readable and writable by the QEMU user";
  const a = f.devSevAccess;
  const required = `read and write for the QEMU user, or libvirt >= ${RECOMMENDED_LIBVIRT}`;
  const judged = (verdict: Verdict, found: string) => check(id, title, verdict, found, required, REMEDIES.devSevAccess);
  if (!f.devices.sev || a === null) return judged("pass", "no /dev/sev (see dev-sev)");
  const shown = `/dev/sev mode ${a.mode.toString(8).padStart(4, "0")} ${a.owner}:${a.group}, QEMU user ${a.qemuUser ?? "unknown"}`;
  if (atLeast(f.libvirtVersion, RECOMMENDED_LIBVIRT) === true) return judged("pass", `${shown}; libvirt ${f.libvirtVersion} opens it for QEMU`);
  const access = mayReadWrite(a);
  const probe = probeFailed(f);
  if (access === true || probe.failed === false) return judged("pass", `${shown}; ${probe.shown}`);
  const verdict = access === false && probe.failed === true ? "fail" : "warn";
  return judged(verdict, `${shown}; ${probe.shown}`);
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
  return check(
    "domains-readable",
    "virsh dumpxml reads every domain",
    bad.length === 0 ? "pass" : "warn",
    found,
    "every domain readable (an unreadable one is counted as holding a slot in every pool)",
    REMEDIES.unreadableDomain,
  );
}

export interface CheckSpec {
  judge: (f: HostFacts) => Check;
  /** What a pass establishes about the host. */
  establishes: string;
  /** The facts judged, and where the probe reads them. */
  evidence: string;
  /** The verdicts it can give: "fail" only where SEV guests cannot run. */
  verdicts: readonly Verdict[];
}

const PASS_FAIL = ["pass", "fail"] as const;
const PASS_WARN = ["pass", "warn"] as const;
const ALL = ["pass", "warn", "fail"] as const;

function spec(judge: CheckSpec["judge"], verdicts: readonly Verdict[], establishes: string, evidence: string): CheckSpec {
  return { judge, verdicts, establishes, evidence };
}

/** Every readiness check, in report order: what a pass establishes, and from which evidence. */
export const CHECKS: Readonly<Record<string, CheckSpec>> = {
  "kernel-version": spec(
    checkKernel,
    ALL,
    "the kernel has KVM's SEV host support (Linux 4.16)",
    "/proc/sys/kernel/osrelease; below 4.16, kvm_amd's sev parameter on shows a backport (warning)",
  ),
  "qemu-version": spec(
    checkQemu,
    ALL,
    "QEMU has the sev-guest object (QEMU 2.12)",
    "`virsh version` (Running hypervisor), else `qemu-system-x86_64 --version`; below 2.12, <sev supported='yes'> shows a backport (warning)",
  ),
  "libvirt-version": spec(
    checkLibvirt,
    ALL,
    "libvirt has launchSecurity type='sev' (4.5), and the SEV fixes of 5.1 (recommended)",
    "`virsh version --daemon`; below 4.5, <sev supported='yes'> shows a backport (warning); 4.5 to 5.1 is a warning",
  ),
  "cpu-sev": spec(
    checkCpu,
    PASS_FAIL,
    "the CPU has SEV and the BIOS enabled memory encryption (the kernel clears the flag otherwise)",
    "the sev flag in /proc/cpuinfo",
  ),
  "kvm-amd-sev": spec(
    checkKvmAmd,
    PASS_FAIL,
    "KVM will run SEV guests (kvm_amd's sev on, by parameter or by default)",
    "/sys/module/kvm_amd/parameters/sev, and kvm_amd.sev= on /proc/cmdline to name the cause",
  ),
  "mem-encrypt": spec(
    checkMemEncrypt,
    PASS_WARN,
    "SME encrypts the host's own memory (recommended; SEV guests do not need it)",
    "the sme flag in /proc/cpuinfo (kept only while SME is active) and mem_encrypt= on /proc/cmdline",
  ),
  "dev-sev": spec(checkDevSev, PASS_FAIL, "the SEV firmware initialised and the ccp driver offers it to KVM and QEMU", "/dev/sev exists"),
  "dev-sev-access": spec(
    checkDevSevAccess,
    ALL,
    "libvirt before 5.1, which probes as the QEMU user, can see SEV",
    "/dev/sev's mode and owner, the QEMU user (qemu.conf) and groups; the effect: <sev supported='no'/> or nodesevinfo's Permission denied",
  ),
  "domcaps-sev": spec(
    checkDomcaps,
    PASS_FAIL,
    "libvirt found SEV in QEMU and the firmware, and will define SEV domains",
    "<sev supported='yes'> in `virsh domcapabilities`",
  ),
  "sev-platform": spec(
    checkSevPlatform,
    PASS_WARN,
    "the firmware's identity can be read for a guest owner's launch session, and libvirt's capabilities are not stale",
    "`virsh nodesevinfo` against domcapabilities",
  ),
  "sev-es-pool": spec(
    checkSevEsPool,
    PASS_WARN,
    "SEV-ES (and SEV-SNP) guests have ASIDs",
    "maxESGuests in domcapabilities, else sev_es in /sys/fs/cgroup/misc.capacity",
  ),
  "domains-readable": spec(checkDomainsReadable, PASS_WARN, "every domain's slot is counted from its XML", "`virsh dumpxml` of every domain"),
};

/** Every readiness check (the CHECKS table) judged on one host's facts, in the table's order. */
export function judgeHost(facts: HostFacts): Check[] {
  return Object.values(CHECKS).map((c) => c.judge(facts));
}

/** The checks that failed: the host cannot run SEV guests until each is fixed. */
export function failures(checks: Check[]): Check[] {
  return checks.filter((c) => c.verdict === "fail");
}

/** The checks that warned: the host runs SEV guests, with something to look at. */
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
      : warned.length > 0
        ? `host ${host} is ready for AMD SEV: no check failed.`
        : `host ${host} passed every AMD SEV check.`;
  const lines = [head, ...failed.map(describeCheck)];
  if (warned.length > 0) lines.push(`Warnings (not blocking):`, ...warned.map((c) => `${describeCheck(c)} (warning)`));
  return lines.join("\n");
}
