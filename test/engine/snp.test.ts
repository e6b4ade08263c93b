/**
 * SEV-SNP through the real engine on the lab's libvirt 11: defined, read back and refreshed without
 * drift on a host that can launch it; refused at preview, with the reason, on hosts that cannot.
 */
import anyTest, { ExecutionContext, TestFn } from "ava";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack, withStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;
const PROGRAM = "dist/examples/sev-snp/index.js";

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["genoa-snp", "genoa", "rome"]);
});
test.after.always((t) => t.context.lab?.stop());

/** What the user reads: preview --json escapes ">" and newlines inside its diagnostics. */
const shown = (text: string) => text.replace(/\\u003e/g, ">").replace(/\\n/g, "\n");

const configFor = (lab: TestLab, host: string) => ({ "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": host });

test.serial("an SNP guest is defined by libvirt 11, read back and refreshed with no drift", async (t) => {
  const { lab } = t.context;
  lab.images("genoa-snp", ["attested-1"]);
  await withStack(PROGRAM, configFor(lab, "genoa-snp"), async (s) => {
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const xml = await lab.sh("genoa-snp", ["virsh", "dumpxml", "--inactive", "attested-1"]);
    t.regex(xml, /<launchSecurity type='sev-snp'[^>]*>[\s\S]*<policy>0x00030000<\/policy>/);
    t.regex(xml, /<os firmware='efi'>/);
    t.regex(
      xml,
      /<loader type='rom' stateless='yes'[^>]*>\/usr\/share\/ovmf\/OVMF\.fd<\/loader>/,
      "the SNP firmware libvirt chose from the host's descriptors, kept in the definition",
    );
    t.notRegex(xml, /<nvram/, "stateless firmware: no NVRAM");
    const snp = (await s.outputs()).snp as { model: string; policy: string; state: string; drift: string[] };
    t.deepEqual(snp, { name: "attested-1", model: "sev-snp", policy: "0x00030000", state: "running", drift: [] });
    t.is((await s.expectNoChanges()).code, 0, "a second run is a no-op");
    const refresh = await s.refresh();
    t.is(refresh.code, 0, refresh.text);
    t.deepEqual(((await s.outputs()).snp as { drift: string[] }).drift, [], "no drift after refresh");
    const again = await s.expectNoChanges();
    t.is(again.code, 0, again.text);
    t.is((await s.destroy()).code, 0);
    t.deepEqual(await lab.domains("genoa-snp"), []);
  });
});

/** A preview that fails: what the user reads of it; nothing is defined on the host. */
async function refusal(t: ExecutionContext<{ lab: TestLab }>, s: EngineStack, host: string): Promise<string> {
  const preview = await s.preview();
  t.not(preview.code, 0);
  t.deepEqual(await t.context.lab.domains(host), [], "nothing defined");
  return shown(preview.text);
}

test.serial("an SNP guest on a host with QEMU 8.2 and libvirt 10.0 is refused at preview, with every reason and fix", async (t) => {
  await withStack(PROGRAM, configFor(t.context.lab, "genoa"), async (s) => {
    const text = await refusal(t, s, "genoa");
    t.regex(text, /host 127\.0\.0\.1:\d+ cannot launch the amd-sev-snp guest attested-1: 3 SEV-SNP checks failed/);
    t.regex(text, /\[snp-qemu-version\] QEMU version for SEV-SNP: found 8\.2\.2; required >= 9\.1\.0\. Fix: install QEMU 9\.1/);
    t.regex(text, /\[snp-libvirt-version\] .*found 10\.0\.0; required >= 10\.5\.0/);
    t.regex(text, /\[snp-kernel-version\] .*found 6\.8\.0-45-generic; required >= 6\.11\.0/);
  });
});

test.serial("an SNP policy that forbids SMT on a host with SMT active, or asks for newer firmware, is refused at preview", async (t) => {
  await withStack(PROGRAM, { ...configFor(t.context.lab, "genoa-snp"), "sev:policy": "0x120000" }, async (s) => {
    const text = await refusal(t, s, "genoa-snp");
    t.regex(text, /\[snp-policy-smt\] SNP policy SMT bit against the host's SMT: found policy 0x00120000 forbids SMT; host SMT active/);
    t.notRegex(text, /\[snp-policy-single-socket\]/, "one socket: SINGLE_SOCKET is fine");
    await s.setConfig("sev:policy", "0x00033a00");
    t.regex(await refusal(t, s, "genoa-snp"), /\[snp-policy-abi\] .*found policy 0x00033a00 needs ABI 58\.0; host firmware 1\.55 build 21/);
  });
});

test.serial(
  "an SNP guest on a host without SNP (no kvm_amd.sev_snp, no sev-snp sectype) is refused at preview by the model's host support first",
  async (t) => {
    await withStack(PROGRAM, configFor(t.context.lab, "rome"), async (s) => {
      const text = await refusal(t, s, "rome");
      t.regex(text, /cannot run amd-sev-snp \(SEV-SNP\) guests: .*kvm_amd\.sev_snp is .*launchSecurity type sev-snp; this host lists \[sev\]/);
      t.notRegex(text, /\[snp-qemu-version\]/, "the version floors come after the model's host support");
    });
  },
);
