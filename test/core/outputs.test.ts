import test from "ava";
import { parseCmdline } from "../../provider/core/parse/cmdline";
import { moduleParamBool, parseKvmAmd } from "../../provider/core/parse/kvm-amd";
import { parseOsRelease } from "../../provider/core/parse/osrelease";
import { parseSystemctlShow } from "../../provider/core/parse/systemctl";
import { libvirtVersionOf, parseVersions, qemuVersionFromBinary } from "../../provider/core/parse/versions-output";
import { normaliseVersion } from "../../provider/core/versions";
import { fixture, fixtureNames } from "./fixtures";

type Expectation = (t: import("ava").ExecutionContext, text: string) => void;

const versions =
  (libvirt: string | null, qemu: string | null): Expectation =>
  (t, text) =>
    t.deepEqual(parseVersions(text, ""), { libvirt, qemu });
const libvirtOnly =
  (v: string): Expectation =>
  (t, text) =>
    t.is(libvirtVersionOf(text), v);
const qemuBinary =
  (v: string, semver: string): Expectation =>
  (t, text) => {
    t.is(qemuVersionFromBinary(text.split("\n")[0]), v);
    t.deepEqual(parseVersions("error: failed to connect to the hypervisor", text), { libvirt: null, qemu: v });
    t.is(normaliseVersion(v), semver);
  };
const release =
  (raw: string, semver: string): Expectation =>
  (t, text) => {
    t.is(parseOsRelease(text), raw);
    t.is(normaliseVersion(parseOsRelease(text)), semver);
  };
const sevCmdline: Expectation = (t, text) => t.deepEqual(parseCmdline(text), { memEncrypt: "on", kvmAmdSev: "1" });
const sevParam: Expectation = (t, text) => {
  t.true(moduleParamBool(text));
  t.deepEqual(parseKvmAmd(`loaded\nsev=${text.trim()}\n`), { loaded: true, sev: true, sevEs: null, sevSnp: null });
};
const slice =
  (memoryHigh: number | null, memoryMax: number | null): Expectation =>
  (t, text) =>
    t.deepEqual(parseSystemctlShow(text), { available: true, memoryHigh, memoryMax });

const EXPECTED: Record<string, Expectation> = {
  "libvirtd--version_4.5.0_centos7.txt": libvirtOnly("4.5.0"),
  "libvirtd--version_7.0.0_debian11.txt": libvirtOnly("7.0.0"),
  "libvirtd-v_7.8.0_arch.txt": libvirtOnly("7.8.0"),
  "virsh--version_6.0.0_ubuntu20.04.txt": libvirtOnly("6.0.0"),
  "virsh--version_7.0.0_debian11.txt": libvirtOnly("7.0.0"),
  "virsh-version-daemon_libvirt-10.0.0_qemu-8.2.2_ubuntu24.04.txt": versions("10.0.0", "8.2.2"),
  // The daemon (1.2.6) wins over the client library (1.2.3); "Using API: QEMU 1.2.3" is not the QEMU version.
  "virsh-version-daemon_manpage-example.txt": versions("1.2.6", "2.0.50"),
  "virsh-version_manpage-example.txt": versions("1.2.3", "2.0.50"),
  "virsh-version_libvirt-1.2.2_qemu-2.0.0.txt": versions("1.2.2", "2.0.0"),
  "virsh-version_libvirt-7.0.0_qemu-5.2.0_fedora34.txt": versions("7.0.0", "5.2.0"),
  "qemu-kvm--version_1.5.3_centos7_oneline.txt": qemuBinary("1.5.3", "1.5.3"),
  "qemu-system-x86_64--version_2.5.0_ubuntu16.04_oneline.txt": qemuBinary("2.5.0", "2.5.0"),
  "qemu-system-x86_64--version_6.1.0_arch.txt": qemuBinary("6.1.0", "6.1.0"),
  "qemu-system-x86_64--version_6.2.0_ubuntu22.04.txt": qemuBinary("6.2.0", "6.2.0"),
  "qemu-system-x86_64--version_8.2.2_ubuntu24.04_firstline-only.txt": qemuBinary("8.2.2", "8.2.2"),
  "uname-r_4.15.0-213-generic.txt": release("4.15.0-213-generic", "4.15.0"),
  "uname-r_4.16.0-rc4-sev.txt": release("4.16.0-rc4-sev", "4.16.0"),
  "uname-r_5.10.0-60.18.0.50.oe2203.x86_64.txt": release("5.10.0-60.18.0.50.oe2203.x86_64", "5.10.0"),
  "uname-r_5.14.0-362.8.1.el9_3.x86_64.txt": release("5.14.0-362.8.1.el9_3.x86_64", "5.14.0"),
  "uname-r_5.14.0-598.el9.x86_64.txt": release("5.14.0-598.el9.x86_64", "5.14.0"),
  "uname-r_6.8.0-45-generic.txt": release("6.8.0-45-generic", "6.8.0"),
  "proc-cmdline_fedora30_sev.txt": sevCmdline,
  "proc-cmdline_openeuler22.03_sev.txt": sevCmdline,
  "sys-module-kvm_amd-parameters-sev_1.txt": sevParam,
  "sys-module-kvm_amd-parameters-sev_Y.txt": sevParam,
  "systemctl-show_-p-MemoryCurrent-p-MemoryHigh-p-MemoryMax.txt": slice(536870912, 671088640),
  "systemctl-show_-p-MemoryHigh-p-MemoryMax_slice-limited.txt": slice(25769803776, 34359738368),
  "systemctl-show_-p-MemoryMax-p-MemoryHigh_limited.txt": slice(262144000, 314572800),
  "systemctl-show_slice-memory-infinity.txt": slice(null, null),
};

for (const [file, expect] of Object.entries(EXPECTED)) {
  test(`outputs/${file}`, (t) => expect(t, fixture("outputs", file)));
}

test("every outputs fixture has an expectation", (t) => {
  t.deepEqual(
    fixtureNames("outputs", (n) => n.endsWith(".txt")),
    Object.keys(EXPECTED).sort(),
  );
});

test("virsh and shell error text gives no version", (t) => {
  t.deepEqual(parseVersions("error: failed to connect to the hypervisor\nerror: no valid connection", "sh: 1: qemu-system-x86_64: not found"), {
    libvirt: null,
    qemu: null,
  });
  t.is(libvirtVersionOf("sh: virsh: command not found"), null);
});

test("virsh without a daemon falls back to the library version", (t) => {
  const text = "Compiled against library: libvirt 8.0.0\nUsing library: libvirt 8.0.0\nUsing API: QEMU 8.0.0\nerror: failed to get the hypervisor version\n";
  t.deepEqual(parseVersions(text, "QEMU emulator version 6.2.0 (Debian 1:6.2+dfsg-2ubuntu6.2)"), { libvirt: "8.0.0", qemu: "6.2.0" });
});

test("qemu version with the Debian package suffix of the brief", (t) => {
  t.is(qemuVersionFromBinary("QEMU emulator version 2.12.0 (Debian 1:2.12+dfsg-3)"), "2.12.0");
});

test("cmdline: last occurrence wins, dashes equal underscores, quotes and -- are honoured", (t) => {
  t.deepEqual(parseCmdline("mem_encrypt=off quiet kvm_amd.sev=0 mem_encrypt=on kvm-amd.sev=1"), { memEncrypt: "on", kvmAmdSev: "1" });
  t.deepEqual(parseCmdline('root=/dev/sda1 dyndbg="file x +p" mem_encrypt=on -- kvm_amd.sev=1'), { memEncrypt: "on", kvmAmdSev: null });
  t.deepEqual(parseCmdline("BOOT_IMAGE=/vmlinuz ro quiet"), { memEncrypt: null, kvmAmdSev: null });
});

test("module parameter booleans", (t) => {
  for (const v of ["1", "Y", "y"]) t.true(moduleParamBool(v), v);
  for (const v of ["0", "N", "n"]) t.false(moduleParamBool(v), v);
  t.is(moduleParamBool(undefined), null);
  t.is(moduleParamBool("maybe"), null);
});

test("kvm_amd section: not loaded, and all three parameters", (t) => {
  t.deepEqual(parseKvmAmd(""), { loaded: false, sev: null, sevEs: null, sevSnp: null });
  t.deepEqual(parseKvmAmd("loaded\nsev=Y\nsev_es=N\nsev_snp=y\n"), { loaded: true, sev: true, sevEs: false, sevSnp: true });
  t.deepEqual(parseKvmAmd("loaded\nsev=0\n"), { loaded: true, sev: false, sevEs: null, sevSnp: null });
});

test("systemctl show: non-zero exit or missing properties means unavailable", (t) => {
  const unavailable = { available: false, memoryMax: null, memoryHigh: null };
  t.deepEqual(parseSystemctlShow("sh: 1: systemctl: not found\nexit=127\n"), unavailable);
  t.deepEqual(parseSystemctlShow("MemoryHigh=infinity\nexit=0\n"), unavailable);
  t.deepEqual(parseSystemctlShow("MemoryHigh=infinity\nMemoryMax=8589934592\nexit=0\n"), { available: true, memoryHigh: null, memoryMax: 8589934592 });
  t.deepEqual(parseSystemctlShow("MemoryHigh=infinity\nMemoryMax=8589934592\nexit=1\n"), unavailable);
});
