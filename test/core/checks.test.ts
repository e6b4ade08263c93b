import test from "ava";
import { Check, CHECKS, failures, formatHostReport, judgeHost, Verdict, warnings } from "../../provider/core/checks";
import { HostFacts } from "../../provider/core/facts";
import { readyHost } from "./ready-host";

function byId(checks: Check[], id: string): Check {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

const ALL_IDS = [
  "kernel-version",
  "qemu-version",
  "libvirt-version",
  "cpu-sev",
  "kvm-amd-sev",
  "mem-encrypt",
  "dev-sev",
  "dev-sev-access",
  "domcaps-sev",
  "sev-platform",
  "sev-es-pool",
  "domains-readable",
];

test("a ready host passes every check, with no remedies", (t) => {
  const checks = judgeHost(readyHost());
  t.deepEqual(
    checks.map((c) => c.id),
    ALL_IDS,
  );
  for (const c of checks) {
    t.is(c.verdict, "pass", c.id);
    t.is(c.remedy, null, c.id);
  }
  t.deepEqual(failures(checks), []);
});

test("every check says what it establishes and from which evidence, and judges under its own id", (t) => {
  t.deepEqual(Object.keys(CHECKS), ALL_IDS);
  for (const [id, spec] of Object.entries(CHECKS)) {
    t.true(spec.establishes.length > 10 && spec.evidence.length > 10, id);
    t.is(spec.judge(readyHost()).id, id);
  }
});

/** A host on a distribution's defaults: SEV on in the BIOS, nothing about SEV on the kernel command line. */
function distributionDefaults(): HostFacts {
  const f = readyHost();
  f.cmdline = { memEncrypt: null, kvmAmdSev: null };
  f.cpu.sme = false;
  return f;
}

test("SEV in the BIOS and no SEV parameters on the command line: ready, with the SME warning about host memory", (t) => {
  const checks = judgeHost(distributionDefaults());
  t.deepEqual(failures(checks), []);
  t.deepEqual(
    warnings(checks).map((c) => c.id),
    ["mem-encrypt"],
  );
  const sme = byId(checks, "mem-encrypt");
  t.is(sme.found, "mem_encrypt not on the kernel command line, no sme flag (SME inactive)");
  t.regex(sme.remedy ?? "", /encrypts the host's own memory.*physical attack on the hypervisor's memory.*SEV guests do not need it/);
  t.regex(formatHostReport("h", checks), /^host h is ready for AMD SEV: no check failed\.\nWarnings \(not blocking\):\n- \[mem-encrypt\]/);
});

interface Case {
  id: string;
  verdict: Verdict;
  /** What the case changes from readyHost(); none for the ready host itself. */
  why: string;
  change?: (f: HostFacts) => void;
  found: string | RegExp;
  remedy?: RegExp;
}

const sevCaps = (supported: boolean) => ({ supported, cbitpos: null, reducedPhysBits: null, maxGuests: null, maxESGuests: null });
const noSevCaps = (f: HostFacts) => void (f.domcaps = { ...f.domcaps!, sev: sevCaps(false) });
const oldLibvirt = (f: HostFacts, access: Partial<NonNullable<HostFacts["devSevAccess"]>>) => {
  f.libvirtVersion = "5.0.0";
  f.devSevAccess = { ...f.devSevAccess!, ...access };
};
const rootOnly = { mode: 0o600, owner: "root", group: "root", qemuUser: "libvirt-qemu", qemuGroups: ["kvm"] };

const CASES: Case[] = [
  { id: "kernel-version", verdict: "pass", why: "Ubuntu 24.04's kernel", found: "6.8.0-45-generic" },
  {
    id: "kernel-version",
    verdict: "pass",
    why: "a RHEL 9 kernel",
    change: (f) => void (f.kernelRelease = "5.14.0-503.11.1.el9_5.x86_64"),
    found: "5.14.0-503.11.1.el9_5.x86_64",
  },
  { id: "kernel-version", verdict: "pass", why: "a 4.16 release candidate", change: (f) => void (f.kernelRelease = "4.16.0-rc4-sev"), found: "4.16.0-rc4-sev" },
  {
    id: "kernel-version",
    verdict: "warn",
    why: "4.15 whose kvm_amd reports sev on (a backport)",
    change: (f) => void (f.kernelRelease = "4.15.0-213-generic"),
    found: "4.15.0-213-generic, but kvm_amd reports sev on",
    remedy: /backport/,
  },
  {
    id: "kernel-version",
    verdict: "fail",
    why: "4.15 without kvm_amd's sev",
    change: (f) => {
      f.kernelRelease = "4.15.0-213-generic";
      f.kvmAmd = { ...f.kvmAmd, sev: null };
    },
    found: "4.15.0-213-generic",
    remedy: /4\.16 or later/,
  },
  {
    id: "kernel-version",
    verdict: "fail",
    why: "an unreadable release and no kvm_amd",
    change: (f) => {
      f.kernelRelease = null;
      f.kvmAmd.loaded = false;
      f.kvmAmd.sev = null;
    },
    found: "unknown",
    remedy: /4\.16 or later/,
  },
  {
    id: "qemu-version",
    verdict: "pass",
    why: "Ubuntu 24.04's package version",
    change: (f) => void (f.qemuVersion = "1:8.2.2+ds-0ubuntu1.4"),
    found: "1:8.2.2+ds-0ubuntu1.4",
  },
  {
    id: "qemu-version",
    verdict: "pass",
    why: "a RHEL 9 package name",
    change: (f) => void (f.qemuVersion = "qemu-kvm-9.0.0-10.el9"),
    found: "qemu-kvm-9.0.0-10.el9",
  },
  {
    id: "qemu-version",
    verdict: "warn",
    why: "2.11 with SEV in domcapabilities (a backport)",
    change: (f) => void (f.qemuVersion = "1:2.11+dfsg-1ubuntu7.41"),
    found: "1:2.11+dfsg-1ubuntu7.41, but libvirt reports <sev supported='yes'> for it",
    remedy: /backport.*QEMU 2\.12\.0 or later/,
  },
  {
    id: "qemu-version",
    verdict: "fail",
    why: "2.11 without SEV in domcapabilities",
    change: (f) => {
      f.qemuVersion = "2.11.1";
      noSevCaps(f);
    },
    found: "2.11.1",
    remedy: /QEMU 2\.12\.0 or later/,
  },
  {
    id: "qemu-version",
    verdict: "fail",
    why: "an unreadable version without SEV in domcapabilities",
    change: (f) => {
      f.qemuVersion = null;
      noSevCaps(f);
    },
    found: "unknown",
    remedy: /QEMU 2\.12\.0 or later/,
  },
  {
    id: "libvirt-version",
    verdict: "pass",
    why: "Ubuntu 24.04's package version",
    change: (f) => void (f.libvirtVersion = "10.0.0-2ubuntu8.5"),
    found: "10.0.0-2ubuntu8.5",
  },
  {
    id: "libvirt-version",
    verdict: "pass",
    why: "a RHEL 9 package name",
    change: (f) => void (f.libvirtVersion = "libvirt-10.5.0-7.el9_5"),
    found: "libvirt-10.5.0-7.el9_5",
  },
  { id: "libvirt-version", verdict: "pass", why: "the recommended floor", change: (f) => void (f.libvirtVersion = "5.1.0"), found: "5.1.0" },
  {
    id: "libvirt-version",
    verdict: "warn",
    why: "between 4.5 and 5.1",
    change: (f) => void (f.libvirtVersion = "4.5.0"),
    found: "4.5.0",
    remedy: /\/dev\/sev.*Permission denied.*5\.1\.0 or later/,
  },
  {
    id: "libvirt-version",
    verdict: "warn",
    why: "4.0 with SEV in domcapabilities (a backport)",
    change: (f) => void (f.libvirtVersion = "4.0.0-1ubuntu8.21"),
    found: /^4\.0\.0-1ubuntu8\.21, but it reports <sev supported='yes'>$/,
    remedy: /backport/,
  },
  {
    id: "libvirt-version",
    verdict: "fail",
    why: "4.4 without SEV in domcapabilities",
    change: (f) => {
      f.libvirtVersion = "4.4.0";
      noSevCaps(f);
    },
    found: "4.4.0",
    remedy: /libvirt 4\.5\.0 or later/,
  },
  {
    id: "libvirt-version",
    verdict: "fail",
    why: "an unreadable version without SEV in domcapabilities",
    change: (f) => {
      f.libvirtVersion = null;
      noSevCaps(f);
    },
    found: "unknown",
    remedy: /libvirt 4\.5\.0 or later/,
  },
  { id: "cpu-sev", verdict: "pass", why: "the sev flag", found: "vendor AuthenticAMD, sev flag present" },
  {
    id: "cpu-sev",
    verdict: "fail",
    why: "an EPYC whose BIOS left SEV off",
    change: (f) => void (f.cpu = { ...f.cpu, sev: false, sevEs: false, sme: false }),
    found: "vendor AuthenticAMD, no sev flag",
    remedy: /early_detect_mem_encrypt.*SVM Mode on, SMEE .* SEV on/,
  },
  {
    id: "cpu-sev",
    verdict: "fail",
    why: "an Intel CPU",
    change: (f) => void (f.cpu = { vendor: "GenuineIntel", sev: false, sevEs: false, sevSnp: false, sme: false }),
    found: "vendor GenuineIntel, no sev flag",
    remedy: /not an AMD EPYC/,
  },
  { id: "kvm-amd-sev", verdict: "pass", why: "sev on by kvm_amd.sev=1", found: "kvm_amd loaded, sev=1 (kvm_amd.sev=1 on the kernel command line)" },
  { id: "kvm-amd-sev", verdict: "pass", why: "sev on by default", change: (f) => void (f.cmdline.kvmAmdSev = null), found: "kvm_amd loaded, sev=1" },
  {
    id: "kvm-amd-sev",
    verdict: "fail",
    why: "kvm_amd not loaded",
    change: (f) => void (f.kvmAmd = { loaded: false, sev: null, sevEs: null, sevSnp: null }),
    found: "kvm_amd not loaded",
    remedy: /modprobe kvm_amd/,
  },
  {
    id: "kvm-amd-sev",
    verdict: "fail",
    why: "sev turned off on the command line",
    change: (f) => {
      f.kvmAmd = { ...f.kvmAmd, sev: false };
      f.cmdline.kvmAmdSev = "0";
    },
    found: "kvm_amd loaded, sev=0 (kvm_amd.sev=0 on the kernel command line)",
    remedy: /current kernels turn kvm_amd's sev on by default \(sev_enabled = true in arch\/x86\/kvm\/svm\/sev\.c\).*\/proc\/cmdline.*\/etc\/modprobe\.d\//,
  },
  {
    id: "kvm-amd-sev",
    verdict: "fail",
    why: "no sev parameter",
    change: (f) => void (f.kvmAmd = { loaded: true, sev: null, sevEs: null, sevSnp: null }),
    found: "kvm_amd loaded, sev parameter absent",
    remedy: /CONFIG_KVM_AMD_SEV/,
  },
  { id: "mem-encrypt", verdict: "pass", why: "mem_encrypt=on and SME active", found: "mem_encrypt=on, sme flag present" },
  {
    id: "mem-encrypt",
    verdict: "pass",
    why: "SME active by the kernel's default",
    change: (f) => void (f.cmdline.memEncrypt = null),
    found: "mem_encrypt not on the kernel command line, sme flag present",
  },
  {
    id: "mem-encrypt",
    verdict: "warn",
    why: "mem_encrypt absent",
    change: (f) => {
      f.cmdline.memEncrypt = null;
      f.cpu.sme = false;
    },
    found: "mem_encrypt not on the kernel command line, no sme flag (SME inactive)",
    remedy: /add mem_encrypt=on .*reboot/,
  },
  {
    id: "mem-encrypt",
    verdict: "warn",
    why: "mem_encrypt=off",
    change: (f) => {
      f.cmdline.memEncrypt = "off";
      f.cpu.sme = false;
    },
    found: "mem_encrypt=off, no sme flag (SME inactive)",
    remedy: /host's own memory/,
  },
  {
    id: "mem-encrypt",
    verdict: "warn",
    why: "mem_encrypt=on but SME inactive",
    change: (f) => void (f.cpu.sme = false),
    found: "mem_encrypt=on, no sme flag (SME inactive)",
    remedy: /SMEE on in the BIOS/,
  },
  { id: "dev-sev", verdict: "pass", why: "/dev/sev present", found: "/dev/sev present" },
  { id: "dev-sev", verdict: "fail", why: "/dev/sev missing", change: (f) => void (f.devices.sev = false), found: "/dev/sev missing", remedy: /ccp/ },
  {
    id: "dev-sev-access",
    verdict: "pass",
    why: "libvirt 10 opens it for QEMU",
    found: "/dev/sev mode 0660 root:kvm, QEMU user libvirt-qemu; libvirt 10.0.0 opens it for QEMU",
  },
  {
    id: "dev-sev-access",
    verdict: "pass",
    why: "libvirt 5.0, root-only /dev/sev, but <sev supported='yes'>",
    change: (f) => oldLibvirt(f, rootOnly),
    found: "/dev/sev mode 0600 root:root, QEMU user libvirt-qemu; <sev supported='yes'> (libvirt's probe opened it)",
  },
  {
    id: "dev-sev-access",
    verdict: "pass",
    why: "libvirt 5.0, QEMU user unknown, but <sev supported='yes'>",
    change: (f) => oldLibvirt(f, { mode: 0o600, qemuUser: null, qemuGroups: [] }),
    found: /QEMU user unknown; <sev supported='yes'>/,
  },
  {
    id: "dev-sev-access",
    verdict: "fail",
    why: "libvirt 5.0, root-only /dev/sev, <sev supported='no'/>",
    change: (f) => {
      oldLibvirt(f, rootOnly);
      noSevCaps(f);
    },
    found: "/dev/sev mode 0600 root:root, QEMU user libvirt-qemu; <sev supported='no'/>",
    remedy: /udev rule .*MODE="0660".*libvirt 5\.1\.0 or later/,
  },
  {
    id: "dev-sev-access",
    verdict: "fail",
    why: "libvirt 5.0, root-only /dev/sev, nodesevinfo Permission denied, domcapabilities unreadable",
    change: (f) => {
      oldLibvirt(f, rootOnly);
      f.domcaps = null;
      f.platform = null;
      f.platformError = "error: Unable to open /dev/sev: Permission denied";
    },
    found: /; virsh nodesevinfo: error: Unable to open \/dev\/sev: Permission denied$/,
  },
  {
    id: "dev-sev-access",
    verdict: "warn",
    why: "libvirt 5.0, <sev supported='no'/>, QEMU user unknown",
    change: (f) => {
      oldLibvirt(f, { mode: 0o600, qemuUser: null, qemuGroups: [] });
      noSevCaps(f);
    },
    found: "/dev/sev mode 0600 root:kvm, QEMU user unknown; <sev supported='no'/>",
  },
  {
    id: "dev-sev-access",
    verdict: "warn",
    why: "libvirt 5.0, root-only /dev/sev, domcapabilities unreadable",
    change: (f) => {
      oldLibvirt(f, rootOnly);
      f.domcaps = null;
    },
    found: /; domcapabilities unavailable$/,
  },
  { id: "domcaps-sev", verdict: "pass", why: "SEV offered", found: "<sev supported='yes'>" },
  {
    id: "domcaps-sev",
    verdict: "fail",
    why: "virsh failed",
    change: (f) => {
      f.domcaps = null;
      f.domcapsError = "error: failed to connect to the hypervisor";
    },
    found: "error: failed to connect to the hypervisor",
    remedy: /stop libvirtd, clear \/var\/cache\/libvirt\/qemu\/capabilities\/, start libvirtd/,
  },
  { id: "domcaps-sev", verdict: "fail", why: "SEV not offered", change: noSevCaps, found: "<sev supported='no'/>", remedy: /re-probes QEMU/ },
  {
    id: "sev-platform",
    verdict: "pass",
    why: "nodesevinfo agrees",
    found: "PDH and certificate chain reported; cbitpos 51, reduced-phys-bits 1, max-guests 59, max-es-guests 450",
  },
  {
    id: "sev-platform",
    verdict: "pass",
    why: "no SEV to compare",
    change: (f) => {
      noSevCaps(f);
      f.platform = null;
    },
    found: "SEV not offered by libvirt: nothing to compare",
  },
  {
    id: "sev-platform",
    verdict: "warn",
    why: "a stale capabilities cache",
    change: (f) => void (f.platform = { ...f.platform!, maxESGuests: 99, cbitpos: 47 }),
    found: "cbitpos 47 (domcapabilities 51), max-es-guests 99 (domcapabilities 450)",
    remedy: /capabilities/,
  },
  {
    id: "sev-platform",
    verdict: "warn",
    why: "nodesevinfo failed",
    change: (f) => {
      f.platform = null;
      f.platformError = "error: Unable to get host SEV information";
    },
    found: "virsh nodesevinfo: error: Unable to get host SEV information",
    remedy: /\/dev\/sev/,
  },
  { id: "sev-es-pool", verdict: "pass", why: "450 SEV-ES ASIDs", found: "maxESGuests 450" },
  {
    id: "sev-es-pool",
    verdict: "pass",
    why: "nothing reports the pool",
    change: (f) => {
      f.domcaps!.sev.maxESGuests = null;
      f.misc = null;
    },
    found: "not reported",
  },
  {
    id: "sev-es-pool",
    verdict: "warn",
    why: "an empty pool",
    change: (f) => void (f.domcaps!.sev.maxESGuests = 0),
    found: "SEV-ES pool is empty (maxESGuests 0)",
    remedy: /ASIDs below the BIOS 'minimum SEV non-ES ASID' are SEV-ES ASIDs.*SEV-ES ASID Space Limit/,
  },
  {
    id: "sev-es-pool",
    verdict: "warn",
    why: "an empty pool in the misc cgroup",
    change: (f) => {
      f.domcaps!.sev.maxESGuests = null;
      f.misc = { sev: { capacity: 509, current: 0 }, sevEs: { capacity: 0, current: 0 } };
    },
    found: "SEV-ES pool is empty (misc.capacity sev_es 0)",
  },
  { id: "domains-readable", verdict: "pass", why: "every domain readable", found: "every domain readable" },
  {
    id: "domains-readable",
    verdict: "warn",
    why: "an unreadable domain",
    change: (f) => void (f.unreadableDomains = [{ uuid: "dead-beef", error: "error: internal error: cannot read\nmore" }]),
    found: "dead-beef: error: internal error: cannot read",
    remedy: /virsh dumpxml UUID/,
  },
];

for (const c of CASES) {
  test(`${c.id} ${c.verdict}: ${c.why}`, (t) => {
    const facts = readyHost();
    c.change?.(facts);
    const checks = judgeHost(facts);
    const got = byId(checks, c.id);
    t.is(got.verdict, c.verdict);
    if (typeof c.found === "string") t.is(got.found, c.found);
    else t.regex(got.found, c.found);
    if (c.verdict === "pass") t.is(got.remedy, null);
    else t.regex(got.remedy ?? "", c.remedy ?? /./);
    if (c.verdict === "fail") t.true(failures(checks).some((x) => x.id === c.id));
  });
}

test("every check is shown in each verdict it can give, and in no other", (t) => {
  for (const [id, spec] of Object.entries(CHECKS)) {
    const shown = new Set(CASES.filter((c) => c.id === id).map((c) => c.verdict));
    t.deepEqual([...shown].sort(), [...spec.verdicts].sort(), id);
  }
});

test("a failure of one check fails no other that judges by its effect", (t) => {
  const single: Array<[string, (f: HostFacts) => void]> = [
    ["cpu-sev", (f) => void (f.cpu.sev = false)],
    ["dev-sev", (f) => void (f.devices.sev = false)],
    ["kvm-amd-sev", (f) => void (f.kvmAmd.sev = false)],
  ];
  for (const [id, breaks] of single) {
    const f = readyHost();
    breaks(f);
    t.deepEqual(
      failures(judgeHost(f)).map((c) => c.id),
      [id],
      id,
    );
  }
});

test("formatHostReport of a host without failures or warnings says it passed", (t) => {
  t.is(formatHostReport("h", judgeHost(readyHost())), "host h passed every AMD SEV check.");
});

test("formatHostReport names the host and lists every failure, then warnings", (t) => {
  const facts = readyHost();
  facts.kernelRelease = "4.15.0-213-generic";
  facts.kvmAmd.sev = null;
  facts.cpu = { vendor: "GenuineIntel", sev: false, sevEs: false, sevSnp: false, sme: false };
  facts.devices.sev = false;
  facts.libvirtVersion = "5.0.0";
  if (facts.domcaps) facts.domcaps.sev.maxESGuests = 0;
  if (facts.platform) facts.platform.maxESGuests = 0;
  const report = formatHostReport("root@hv1.example.com:22", judgeHost(facts));
  const lines = report.split("\n");
  t.regex(lines[0], /root@hv1\.example\.com:22.*4 checks failed/);
  t.true(lines[1].startsWith("- [kernel-version] Linux kernel version: found 4.15.0-213-generic; required >= 4.16.0. Fix: upgrade"));
  t.true(lines[2].startsWith("- [cpu-sev] CPU supports SEV: found vendor GenuineIntel, no sev flag; required"));
  t.true(lines[3].startsWith("- [kvm-amd-sev] kvm_amd has SEV enabled: found kvm_amd loaded, sev parameter absent;"));
  t.true(lines[4].startsWith("- [dev-sev] /dev/sev exists: found /dev/sev missing; required /dev/sev. Fix: "));
  t.regex(lines[5], /^Warnings/);
  t.regex(lines[6], /^- \[libvirt-version\].*\(warning\)$/);
  t.regex(lines[7], /^- \[mem-encrypt\].*\(warning\)$/);
  t.regex(lines[8], /^- \[sev-es-pool\].*\(warning\)$/);
  t.is(lines.length, 9);
});

test("/dev/sev access of the QEMU user: owner, group, everyone, root", (t) => {
  const old = (access: Partial<NonNullable<HostFacts["devSevAccess"]>>): Check => {
    const f = readyHost();
    oldLibvirt(f, access);
    noSevCaps(f);
    return byId(judgeHost(f), "dev-sev-access");
  };
  t.is(old({ mode: 0o660, group: "kvm", qemuGroups: ["kvm"] }).verdict, "pass", "through the group");
  t.is(old({ mode: 0o640, group: "kvm", qemuGroups: ["kvm"] }).verdict, "fail", "read is not enough");
  t.is(old({ mode: 0o600, owner: "qemu", qemuUser: "qemu" }).verdict, "pass", "the owner");
  t.is(old({ mode: 0o666 }).verdict, "pass", "everyone");
  t.is(old({ mode: 0o666, qemuUser: null }).verdict, "pass", "everyone, whoever QEMU runs as");
  t.is(old({ mode: 0o600, qemuUser: "root" }).verdict, "pass", "QEMU as root");
});
