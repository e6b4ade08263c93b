import test from "ava";
import { failures } from "../../provider/core/checks";
import { formatSnpRefusal, judgeSnpHost, SNP_REMEDIES } from "../../provider/core/snp-host";
import { HostFacts } from "../../provider/core/facts";
import { readyHost } from "./ready-host";

/** A host with every SEV-SNP piece in place: Linux 6.12, QEMU 9.2, libvirt 11.3, sev_snp=Y, sectype listed. */
function snpHost(): HostFacts {
  const f = readyHost();
  return {
    ...f,
    kernelRelease: "6.12.12+bpo-amd64",
    qemuVersion: "9.2.0",
    libvirtVersion: "11.3.0",
    kvmAmd: { ...f.kvmAmd, sevSnp: true },
    domcaps: { ...f.domcaps!, launchSecurityTypes: ["sev", "sev-snp"] },
  };
}

test("a host with SNP enabled and the stack at its floors passes every SEV-SNP check", (t) => {
  t.deepEqual(failures(judgeSnpHost(snpHost())), []);
  t.is(formatSnpRefusal("genoa", "snp-1", snpHost()), null);
  const floors = { ...snpHost(), kernelRelease: "6.11.0-1-generic", qemuVersion: "9.1.0", libvirtVersion: "10.5.0" };
  t.deepEqual(failures(judgeSnpHost(floors)), []);
});

test("each SEV-SNP requirement fails on its own, with its remedy", (t) => {
  const cases: Array<[string, Partial<HostFacts>, string]> = [
    ["snp-kernel-version", { kernelRelease: "6.8.0-45-generic" }, SNP_REMEDIES.kernel],
    ["snp-qemu-version", { qemuVersion: "8.2.2" }, SNP_REMEDIES.qemu],
    ["snp-libvirt-version", { libvirtVersion: "10.4.0" }, SNP_REMEDIES.libvirt],
  ];
  for (const [id, broken, remedy] of cases) {
    const failed = failures(judgeSnpHost({ ...snpHost(), ...broken }));
    t.deepEqual(
      failed.map((c) => [c.id, c.remedy]),
      [[id, remedy]],
      id,
    );
  }
});

test("the refusal names the host, the guest, what was found, what is required and the fix", (t) => {
  const msg = formatSnpRefusal("genoa", "snp-1", { ...snpHost(), qemuVersion: "8.2.2", kernelRelease: "6.8.0-45-generic" }) ?? "";
  t.regex(msg, /^host genoa cannot launch the amd-sev-snp guest snp-1: 2 SEV-SNP checks failed:/);
  t.regex(msg, /\[snp-qemu-version\] QEMU version for SEV-SNP: found 8\.2\.2; required >= 9\.1\.0\. Fix: install QEMU 9\.1/);
  t.regex(msg, /\[snp-kernel-version\] .*found 6\.8\.0-45-generic; required >= 6\.11\.0/);
  const unknown = formatSnpRefusal("h", "g", { ...snpHost(), qemuVersion: null }) ?? "";
  t.regex(unknown, /\[snp-qemu-version\] .*found unknown; required >= 9\.1\.0/);
});

test("the guest's SNP policy against the host: SMT, SINGLE_SOCKET and the minimum firmware ABI", (t) => {
  const ids = (f: HostFacts, policy: number) => failures(judgeSnpHost(f, policy)).map((c) => c.id);
  t.deepEqual(ids(snpHost(), 0x30000), [], "the default policy fits");
  t.deepEqual(ids(snpHost(), 0x20000), ["snp-policy-smt"], "SMT forbidden while active");
  t.deepEqual(ids({ ...snpHost(), smtActive: false }, 0x20000), [], "SMT forbidden and off");
  t.deepEqual(ids({ ...snpHost(), smtActive: null }, 0x20000), [], "unknown SMT is not held against the guest");
  t.deepEqual(ids(snpHost(), 0x130000), [], "SINGLE_SOCKET on one socket");
  t.deepEqual(ids({ ...snpHost(), sockets: 2 }, 0x130000), ["snp-policy-single-socket"]);
  t.deepEqual(ids(snpHost(), 0x30137), [], "ABI 1.55 on firmware 1.55");
  t.deepEqual(ids(snpHost(), 0x30138), ["snp-policy-abi"], "ABI 1.56 on firmware 1.55");
  t.deepEqual(ids(snpHost(), 0x30200), ["snp-policy-abi"], "ABI 2.0 on firmware 1.55");
  t.deepEqual(ids({ ...snpHost(), sevFirmware: null }, 0x30200), [], "unknown firmware");
  const abi = judgeSnpHost(snpHost(), 0x30138).find((c) => c.id === "snp-policy-abi")!;
  t.is(abi.found, "policy 0x00030138 needs ABI 1.56; host firmware 1.55 build 21");
  t.regex(abi.remedy ?? "", /update the firmware/);
  t.deepEqual(
    judgeSnpHost(snpHost())
      .map((c) => c.id)
      .filter((id) => id.startsWith("snp-policy")),
    [],
    "without a policy, host checks only",
  );
});

test("SNP's floors read distribution version strings: each fails below its release and passes from it", (t) => {
  const cases: Array<[string, keyof HostFacts, string, boolean]> = [
    ["snp-kernel-version", "kernelRelease", "6.8.0-51-generic", false],
    ["snp-kernel-version", "kernelRelease", "5.14.0-503.11.1.el9_5.x86_64", false],
    ["snp-kernel-version", "kernelRelease", "6.11.0-8-generic", true],
    ["snp-qemu-version", "qemuVersion", "1:8.2.2+ds-0ubuntu1.4", false],
    ["snp-qemu-version", "qemuVersion", "qemu-kvm-9.0.0-10.el9_5", false],
    ["snp-qemu-version", "qemuVersion", "qemu-kvm-9.1.0-15.el9_6", true],
    ["snp-libvirt-version", "libvirtVersion", "10.0.0-2ubuntu8.5", false],
    ["snp-libvirt-version", "libvirtVersion", "libvirt-10.5.0-7.el9_5", true],
  ];
  for (const [id, key, raw, passes] of cases) {
    const c = judgeSnpHost({ ...snpHost(), [key]: raw }).find((x) => x.id === id)!;
    t.deepEqual([c.verdict, c.found], [passes ? "pass" : "fail", raw], `${id} ${raw}`);
  }
});
