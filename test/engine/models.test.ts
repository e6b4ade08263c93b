/**
 * Nova's per-host model support through the engine: SevHost reports which SEV models its host runs,
 * with the reason for each it does not, and a guest of a model the host does not run fails preview
 * with that reason, defining nothing.
 */
import anyTest, { TestFn } from "ava";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { withStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;
const PROGRAM = "dist/test/programs/models/index.js";

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome-qemu-7", "genoa", "genoa-snp", "genoa-snp-no-sectype"]);
});
test.after.always((t) => t.context.lab?.stop());

function config(lab: TestLab, host: string, model?: string): Record<string, string> {
  return { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": host, ...(model ? { "sev:model": model } : {}) };
}

const REFUSALS: Array<[string, string, RegExp]> = [
  ["rome-qemu-7", "amd-sev-es", /cannot run amd-sev-es \(SEV-ES\) guests: QEMU 7\.2\.0 is older than 8\.0\.0, the first QEMU Nova runs SEV-ES guests with/],
  ["genoa", "amd-sev-es", /cannot run amd-sev-es \(SEV-ES\) guests: kvm_amd\.sev_snp is 1: SEV-ES and SEV-SNP are exclusive on one host \(CVE-2025-48514\)/],
  [
    "genoa-snp-no-sectype",
    "amd-sev-snp",
    /cannot run amd-sev-snp \(SEV-SNP\) guests: amd-sev-snp needs a host whose domain capabilities list launchSecurity type sev-snp; this host lists \[sev\]/,
  ],
];

for (const [host, model, reason] of REFUSALS) {
  test.serial(`${model} on ${host}: preview fails with the host's reason and defines nothing`, async (t) => {
    const { lab } = t.context;
    await withStack(PROGRAM, config(lab, host, model), async (s) => {
      const preview = await s.preview();
      t.not(preview.code, 0, preview.text);
      t.regex(preview.text, reason);
      t.regex(preview.text, /Fix: place the guest on a host that supports/);
      t.deepEqual(await lab.domains(host), []);
    });
  });
}

test.serial(
  "the models a host does support pass preview: amd-sev-snp on genoa-snp (genoa's QEMU 8.2 is below SNP's floor), amd-sev on rome-qemu-7",
  async (t) => {
    const { lab } = t.context;
    for (const [host, model] of [
      ["genoa-snp", "amd-sev-snp"],
      ["rome-qemu-7", "amd-sev"],
    ]) {
      lab.images(host, ["g-1"]);
      await withStack(PROGRAM, config(lab, host, model), async (s) => {
        const preview = await s.preview();
        t.is(preview.code, 0, preview.text);
      });
    }
  },
);

test.serial("SevHost outputs every model with supported and the reasons", async (t) => {
  const { lab } = t.context;
  await withStack(PROGRAM, config(lab, "genoa-snp-no-sectype"), async (s) => {
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const models = (await s.outputs()).models as { novaName: string; supported: boolean; reasons: string[] }[];
    t.deepEqual(
      models.map((m) => [m.novaName, m.supported]),
      [
        ["amd-sev", true],
        ["amd-sev-es", false],
        ["amd-sev-snp", false],
      ],
    );
    t.deepEqual(models[0].reasons, []);
    t.regex(models[1].reasons.join("\n"), /kvm_amd\.sev_snp is 1: SEV-ES and SEV-SNP are exclusive/);
    t.regex(models[2].reasons.join("\n"), /launchSecurity type sev-snp; this host lists \[sev\]/);
    t.is((await s.destroy()).code, 0);
  });
});
