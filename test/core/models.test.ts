import test from "ava";
import {
  DEFAULT_POLICY,
  formatPolicy,
  formatUnsupportedModel,
  MODEL_LIST,
  MODELS,
  modelOfLaunchSecurity,
  modelOfNovaName,
  modelSupport,
} from "../../provider/core/models";
import { SEV_POLICY, SNP_POLICY } from "../../provider/core/flavor/policy";
import { HostFacts } from "../../provider/core/facts";
import { readyHost } from "./ready-host";

function host(change: (f: HostFacts) => void): HostFacts {
  const f = readyHost();
  change(f);
  return f;
}

const snpHost = () =>
  host((f) => {
    f.kvmAmd.sevSnp = true;
    f.domcaps!.launchSecurityTypes = ["sev", "sev-snp"];
  });

const supported = (f: HostFacts) =>
  modelSupport(f)
    .filter((s) => s.supported)
    .map((s) => s.novaName);
const reasons = (f: HostFacts, model: "sev" | "sev-es" | "sev-snp") =>
  modelSupport(f)
    .find((s) => s.model === model)!
    .reasons.join("\n");

test("each descriptor's defaults are the policy bits Nova and QEMU use", (t) => {
  t.is(DEFAULT_POLICY.sev, SEV_POLICY.NODBG | SEV_POLICY.NOKS | SEV_POLICY.DOMAIN | SEV_POLICY.SEV);
  t.is(DEFAULT_POLICY["sev-es"], DEFAULT_POLICY.sev | SEV_POLICY.ES);
  t.is(DEFAULT_POLICY["sev-snp"], Number(SNP_POLICY.SMT | SNP_POLICY.RESERVED_MBO));
  t.is(MODELS.sev.policy.debuggable, DEFAULT_POLICY.sev & ~SEV_POLICY.NODBG);
  t.is(MODELS["sev-es"].policy.debuggable, DEFAULT_POLICY["sev-es"] & ~SEV_POLICY.NODBG);
  t.is(MODELS["sev-snp"].policy.debuggable, Number(BigInt(DEFAULT_POLICY["sev-snp"]) | SNP_POLICY.DEBUG));
  for (const d of MODEL_LIST) t.deepEqual(d.policy.problems(BigInt(d.policy.default), false), [], `${d.novaName}'s default passes its own validator`);
});

test("one formatting rule per model: 4 hex digits for the legacy policy, 8 for SNP", (t) => {
  t.is(formatPolicy(0x33, "sev"), "0x0033");
  t.is(formatPolicy(0x30000, "sev-snp"), "0x00030000");
});

test("Nova names and launchSecurity elements map to the models and back", (t) => {
  for (const d of MODEL_LIST) {
    t.is(modelOfNovaName(d.novaName), d);
    t.is(modelOfLaunchSecurity(d.launchSecurity.type, d.policy.default), d.model);
  }
  t.is(modelOfNovaName("amd-tdx"), undefined);
  t.is(modelOfLaunchSecurity("tdx", null), null);
  t.is(modelOfLaunchSecurity("sev", null), "sev", "no policy: plain SEV");
});

test("Nova's needs_locked_memory and required traits per model", (t) => {
  t.deepEqual(
    MODEL_LIST.map((d) => [d.novaName, d.locksMemory, d.novaTrait]),
    [
      ["amd-sev", true, "HW_CPU_X86_AMD_SEV"],
      ["amd-sev-es", true, "HW_CPU_X86_AMD_SEV_ES"],
      ["amd-sev-snp", false, "HW_CPU_X86_AMD_SEV_SNP"],
    ],
  );
});

test("a ready SEV-ES host on QEMU 8.2 runs amd-sev and amd-sev-es, not amd-sev-snp", (t) => {
  const f = readyHost();
  t.deepEqual(supported(f), ["amd-sev", "amd-sev-es"]);
  t.regex(reasons(f, "sev-snp"), /kvm_amd\.sev_snp is 0: SEV-SNP guests need kvm_amd loaded with sev_snp=1/);
  t.regex(reasons(f, "sev-snp"), /launchSecurity type sev-snp; this host lists \[sev\]/);
});

test("SEV-ES needs QEMU 8.0 (Nova's MIN_QEMU_SEV_ES_VERSION)", (t) => {
  const f = host((h) => (h.qemuVersion = "7.2.0"));
  t.deepEqual(supported(f), ["amd-sev"]);
  t.regex(reasons(f, "sev-es"), /^QEMU 7\.2\.0 is older than 8\.0\.0/);
  t.deepEqual(supported(host((h) => (h.qemuVersion = "8.0.0"))), ["amd-sev", "amd-sev-es"]);
});

test("SEV-ES needs kvm_amd.sev_es", (t) => {
  t.regex(
    reasons(
      host((h) => (h.kvmAmd.sevEs = false)),
      "sev-es",
    ),
    /^kvm_amd\.sev_es is 0/,
  );
  t.regex(
    reasons(
      host((h) => (h.kvmAmd.sevEs = null)),
      "sev-es",
    ),
    /^kvm_amd\.sev_es is absent/,
  );
});

test("an SNP-enabled host runs amd-sev and amd-sev-snp; SEV-ES is disabled there (CVE-2025-48514)", (t) => {
  const f = snpHost();
  t.deepEqual(supported(f), ["amd-sev", "amd-sev-snp"]);
  t.regex(reasons(f, "sev-es"), /kvm_amd\.sev_snp is 1: SEV-ES and SEV-SNP are exclusive on one host \(CVE-2025-48514\)/);
});

test("SNP needs sev-snp among the domcaps launchSecurity sectypes", (t) => {
  const f = host((h) => (h.kvmAmd.sevSnp = true));
  t.false(supported(f).includes("amd-sev-snp"));
  t.regex(reasons(f, "sev-snp"), /launchSecurity type sev-snp; this host lists \[sev\]/);
});

test("every model builds on SEV: a host without kvm_amd.sev or domcaps SEV runs none", (t) => {
  const f = host((h) => {
    h.kvmAmd.sev = false;
    h.domcaps!.sev.supported = false;
  });
  t.deepEqual(supported(f), []);
  for (const m of ["sev", "sev-es", "sev-snp"] as const)
    t.regex(
      reasons(f, m),
      /^kvm_amd has SEV enabled: found kvm_amd loaded, sev=0 \(kvm_amd\.sev=1 on the kernel command line\), required kvm_amd loaded with sev on \(its default on current kernels\)\n.*<sev supported='yes'>/,
    );
  const noDomcaps = host((h) => {
    h.domcaps = null;
    h.domcapsError = "error: failed to connect";
  });
  t.regex(reasons(noDomcaps, "sev"), /domain capabilities could not be read \(error: failed to connect\)/);
});

test("the refusal names the host, the model, every reason and the models the host does support", (t) => {
  const msg = formatUnsupportedModel("root@10.0.0.5:22", "sev-es", snpHost());
  t.regex(
    msg ?? "",
    /^host root@10\.0\.0\.5:22 cannot run amd-sev-es \(SEV-ES\) guests: kvm_amd\.sev_snp is 1: .*Fix: place the guest on a host that supports amd-sev-es, or use a model this host supports \(amd-sev, amd-sev-snp\)/,
  );
  t.is(formatUnsupportedModel("h", "sev", snpHost()), null);
});
