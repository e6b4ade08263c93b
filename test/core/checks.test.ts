import test from "ava";
import { Check, failures, formatHostReport, judgeHost } from "../../provider/core/checks";
import { HostFacts } from "../../provider/core/facts";
import { readyHost } from "./ready-host";

function byId(checks: Check[], id: string): Check {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

const ALL_IDS = ["kernel-version", "qemu-version", "libvirt-version", "cpu-sev", "kvm-amd-sev", "mem-encrypt", "dev-sev", "dev-sev-access", "domcaps-sev", "sev-platform", "sev-es-pool", "domains-readable"];

test("a ready host passes every check, with no remedies", (t) => {
  const checks = judgeHost(readyHost());
  t.deepEqual(checks.map((c) => c.id), ALL_IDS);
  for (const c of checks) {
    t.is(c.verdict, "pass", c.id);
    t.is(c.remedy, null, c.id);
  }
  t.deepEqual(failures(checks), []);
});

interface Breakage {
  id: string;
  breaks: (f: HostFacts) => void;
  found: string | RegExp;
  remedy: RegExp;
}

const BREAKAGES: Breakage[] = [
  { id: "kernel-version", breaks: (f) => void (f.kernelRelease = "4.15.0-213-generic"), found: "4.15.0-213-generic", remedy: /4\.16 or later/ },
  { id: "kernel-version", breaks: (f) => void (f.kernelRelease = null), found: "unknown", remedy: /4\.16 or later/ },
  { id: "qemu-version", breaks: (f) => void (f.qemuVersion = "2.11.1"), found: "2.11.1", remedy: /QEMU 2\.12\.0 or later/ },
  { id: "qemu-version", breaks: (f) => void (f.qemuVersion = null), found: "unknown", remedy: /QEMU 2\.12\.0 or later/ },
  { id: "libvirt-version", breaks: (f) => void (f.libvirtVersion = "4.4.0"), found: "4.4.0", remedy: /libvirt 4\.5\.0 or later/ },
  { id: "libvirt-version", breaks: (f) => void (f.libvirtVersion = null), found: "unknown", remedy: /libvirt 4\.5\.0 or later/ },
  {
    id: "cpu-sev",
    breaks: (f) => void (f.cpu = { vendor: "GenuineIntel", sev: false, sevEs: false, sevSnp: false, sme: false }),
    found: "vendor GenuineIntel, no sev flag",
    remedy: /AMD EPYC.*SEV enabled in the BIOS/,
  },
  {
    id: "kvm-amd-sev",
    breaks: (f) => void (f.kvmAmd = { loaded: false, sev: null, sevEs: null, sevSnp: null }),
    found: "kvm_amd not loaded",
    remedy: /kvm_amd\.sev=1 to the kernel command line .*GRUB_CMDLINE_LINUX.*options kvm_amd sev=1.*\/etc\/modprobe\.d\/sev\.conf.*reboot/,
  },
  {
    id: "kvm-amd-sev",
    breaks: (f) => void (f.kvmAmd = { loaded: true, sev: false, sevEs: false, sevSnp: false }),
    found: "kvm_amd loaded, sev=0",
    remedy: /kvm_amd\.sev=1/,
  },
  {
    id: "kvm-amd-sev",
    breaks: (f) => void (f.kvmAmd = { loaded: true, sev: null, sevEs: null, sevSnp: null }),
    found: "kvm_amd loaded, sev parameter absent",
    remedy: /kvm_amd\.sev=1/,
  },
  { id: "mem-encrypt", breaks: (f) => void (f.cmdline.memEncrypt = null), found: "mem_encrypt not on the kernel command line", remedy: /add mem_encrypt=on .*reboot/ },
  { id: "mem-encrypt", breaks: (f) => void (f.cmdline.memEncrypt = "off"), found: "mem_encrypt=off", remedy: /mem_encrypt=on/ },
  { id: "dev-sev", breaks: (f) => void (f.devices.sev = false), found: "/dev/sev missing", remedy: /ccp/ },
  {
    id: "domcaps-sev",
    breaks: (f) => {
      f.domcaps = null;
      f.domcapsError = "error: failed to connect to the hypervisor";
    },
    found: "error: failed to connect to the hypervisor",
    remedy: /stop libvirtd, clear \/var\/cache\/libvirt\/qemu\/capabilities\/, start libvirtd/,
  },
  {
    id: "domcaps-sev",
    breaks: (f) => {
      if (f.domcaps) f.domcaps.sev = { supported: false, cbitpos: null, reducedPhysBits: null, maxGuests: null, maxESGuests: null };
    },
    found: "<sev supported='no'/>",
    remedy: /re-probes QEMU/,
  },
];

for (const b of BREAKAGES) {
  test(`${b.id} fails alone: found ${String(b.found)}`, (t) => {
    const facts = readyHost();
    b.breaks(facts);
    const checks = judgeHost(facts);
    const c = byId(checks, b.id);
    t.is(c.verdict, "fail");
    if (typeof b.found === "string") t.is(c.found, b.found);
    else t.regex(c.found, b.found);
    t.regex(c.remedy ?? "", b.remedy);
    t.deepEqual(failures(checks).map((x) => x.id), [b.id]);
  });
}

test("libvirt between 4.5.0 and 5.1.0 is a warning about /dev/sev permissions", (t) => {
  const facts = readyHost();
  facts.libvirtVersion = "4.5.0";
  const c = byId(judgeHost(facts), "libvirt-version");
  t.is(c.verdict, "warn");
  t.regex(c.remedy ?? "", /\/dev\/sev.*Permission denied.*5\.1\.0 or later/);
  facts.libvirtVersion = "5.1.0";
  t.is(byId(judgeHost(facts), "libvirt-version").verdict, "pass");
});

test("a release-candidate 4.16 kernel passes", (t) => {
  const facts = readyHost();
  facts.kernelRelease = "4.16.0-rc4-sev";
  t.is(byId(judgeHost(facts), "kernel-version").verdict, "pass");
});

test("an empty SEV-ES pool is a warning naming the BIOS ASID setting", (t) => {
  const facts = readyHost();
  if (facts.domcaps) facts.domcaps.sev.maxESGuests = 0;
  const checks = judgeHost(facts);
  const c = byId(checks, "sev-es-pool");
  t.is(c.verdict, "warn");
  t.is(c.found, "SEV-ES pool is empty (maxESGuests 0)");
  t.regex(c.remedy ?? "", /ASIDs below the BIOS 'minimum SEV non-ES ASID' are SEV-ES ASIDs/);
  t.regex(c.remedy ?? "", /SEV-ES ASID Space Limit/);
  t.deepEqual(failures(checks), []);
});

test("SEV-ES pool falls back to misc.capacity, and passes when nothing reports it", (t) => {
  const facts = readyHost();
  if (facts.domcaps) facts.domcaps.sev.maxESGuests = null;
  facts.misc = { sev: { capacity: 509, current: 0 }, sevEs: { capacity: 0, current: 0 } };
  t.is(byId(judgeHost(facts), "sev-es-pool").found, "SEV-ES pool is empty (misc.capacity sev_es 0)");
  facts.misc = null;
  const c = byId(judgeHost(facts), "sev-es-pool");
  t.is(c.verdict, "pass");
  t.is(c.found, "not reported");
});

test("formatHostReport names the host and lists every failure, then warnings", (t) => {
  const facts = readyHost();
  facts.kernelRelease = "4.15.0-213-generic";
  facts.cpu = { vendor: "GenuineIntel", sev: false, sevEs: false, sevSnp: false, sme: false };
  facts.devices.sev = false;
  facts.libvirtVersion = "5.0.0";
  if (facts.domcaps) facts.domcaps.sev.maxESGuests = 0;
  if (facts.platform) facts.platform.maxESGuests = 0;
  const report = formatHostReport("root@hv1.example.com:22", judgeHost(facts));
  const lines = report.split("\n");
  t.regex(lines[0], /root@hv1\.example\.com:22.*3 checks failed/);
  t.true(lines[1].startsWith("- [kernel-version] Linux kernel version: found 4.15.0-213-generic; required >= 4.16.0. Fix: upgrade"));
  t.true(lines[2].startsWith("- [cpu-sev] CPU supports SEV: found vendor GenuineIntel, no sev flag; required"));
  t.true(lines[3].startsWith("- [dev-sev] /dev/sev exists: found /dev/sev missing; required /dev/sev. Fix: "));
  t.regex(lines[4], /^Warnings/);
  t.regex(lines[5], /^- \[libvirt-version\].*\(warning\)$/);
  t.regex(lines[6], /^- \[sev-es-pool\].*\(warning\)$/);
  t.is(lines.length, 7);
});

test("a domain the probe could not read is a warning naming it, not a failure", (t) => {
  const f = readyHost();
  f.unreadableDomains = [{ uuid: "dead-beef", error: "error: internal error: cannot read\nmore" }];
  const c = judgeHost(f).find((x) => x.id === "domains-readable")!;
  t.is(c.verdict, "warn");
  t.regex(c.found, /^dead-beef: error: internal error: cannot read$/);
  t.regex(c.required, /counted as holding a slot/);
});

test("nodesevinfo is cross-checked against domcapabilities: a failure or a difference is a warning with its remedy", (t) => {
  const f = readyHost();
  t.regex(byId(judgeHost(f), "sev-platform").found, /^PDH and certificate chain reported; cbitpos 51, reduced-phys-bits 1, max-guests 59, max-es-guests 450$/);
  const stale = { ...f, platform: { ...f.platform!, maxESGuests: 99, cbitpos: 47 } };
  const c = byId(judgeHost(stale), "sev-platform");
  t.deepEqual([c.verdict, c.found], ["warn", "cbitpos 47 (domcapabilities 51), max-es-guests 99 (domcapabilities 450)"]);
  t.regex(c.remedy ?? "", /capabilities/);
  const failed = byId(judgeHost({ ...f, platform: null, platformError: "error: Unable to get host SEV information" }), "sev-platform");
  t.deepEqual([failed.verdict, failed.found], ["warn", "virsh nodesevinfo: error: Unable to get host SEV information"]);
  t.regex(failed.remedy ?? "", /\/dev\/sev/);
  const noSev = { ...f, domcaps: { ...f.domcaps!, sev: { ...f.domcaps!.sev, supported: false } }, platform: null };
  t.is(byId(judgeHost(noSev), "sev-platform").verdict, "pass", "nothing to compare on a host without SEV");
});

test("/dev/sev must be open to the QEMU user while libvirt (before 5.1) probes as that user", (t) => {
  const old = (access: Partial<NonNullable<HostFacts["devSevAccess"]>>): Check => {
    const f = readyHost();
    f.libvirtVersion = "5.0.0";
    f.devSevAccess = { ...f.devSevAccess!, ...access };
    return byId(judgeHost(f), "dev-sev-access");
  };
  const denied = old({ mode: 0o600, owner: "root", group: "root", qemuUser: "libvirt-qemu", qemuGroups: ["kvm"] });
  t.deepEqual([denied.verdict, denied.found], ["fail", "/dev/sev mode 0600 root:root, QEMU user libvirt-qemu"]);
  t.regex(denied.remedy ?? "", /udev rule .*MODE="0660".*libvirt 5\.1\.0 or later/);
  t.is(old({ mode: 0o660, group: "kvm", qemuGroups: ["kvm"] }).verdict, "pass", "through the group");
  t.is(old({ mode: 0o640, group: "kvm", qemuGroups: ["kvm"] }).verdict, "fail", "read is not enough");
  t.is(old({ mode: 0o600, owner: "qemu", qemuUser: "qemu" }).verdict, "pass", "the owner");
  t.is(old({ mode: 0o666 }).verdict, "pass", "everyone");
  t.is(old({ mode: 0o600, qemuUser: "root" }).verdict, "pass", "QEMU as root");
  t.is(old({ mode: 0o600, qemuUser: null, qemuGroups: [] }).verdict, "fail", "an unknown user is not root");
  const recent = byId(judgeHost(readyHost()), "dev-sev-access");
  t.deepEqual([recent.verdict, recent.found], ["pass", "/dev/sev mode 0660 root:kvm, QEMU user libvirt-qemu; libvirt 10.0.0 opens it for QEMU"]);
});
