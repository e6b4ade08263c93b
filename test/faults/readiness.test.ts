/**
 * A host that loses SEV under an existing stack (rebooted with kvm_amd's sev off and without
 * mem_encrypt=on, so SME is inactive too): refresh and preview say so in the host's own words, SME
 * off as a warning only, and it recovers when the host is fixed.
 */
import anyTest, { TestFn } from "ava";
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { withStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => t.context.lab?.stop());

/** Rewrites the lab host's facts in place (they are bind-mounted over /sys/module, /proc/cmdline and /proc/cpuinfo). */
function loseSev(lab: TestLab): () => void {
  const root = join(lab.host("rome").folder, "root");
  const files = [join(root, "sys-module", "kvm_amd", "parameters", "sev"), join(root, "cmdline"), join(root, "cpuinfo")];
  const saved = files.map((f) => readFileSync(f, "utf8"));
  writeFileSync(files[0], "0\n");
  writeFileSync(files[1], saved[1].replace(/\s*mem_encrypt=on/, ""));
  // Without mem_encrypt=on the kernel leaves SME inactive and clears the sme flag (early_detect_mem_encrypt).
  writeFileSync(files[2], saved[2].replace(/ sme /g, " "));
  return () => files.forEach((f, i) => writeFileSync(f, saved[i]));
}

test("refresh and preview report a host that lost SEV with its readiness report; fixed, it converges", async (t) => {
  const { lab } = t.context;
  const config = { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome" };
  lab.images("rome", ["web-1", "web-2"]);
  await withStack("dist/examples/quickstart/index.js", config, async (s) => {
    t.is((await s.up()).code, 0);
    const restore = loseSev(lab);
    try {
      const refresh = await s.refresh();
      t.regex(refresh.text, /host 127\.0\.0\.1:\d+ is not ready for AMD SEV: 1 check failed/);
      t.regex(refresh.text, /\[kvm-amd-sev\]/);
      t.regex(refresh.text, /Warnings \(not blocking\):[\s\S]*\[mem-encrypt\] .*no sme flag/, "SME off is a warning, not a failure");
      const preview = await s.preview();
      t.not(preview.code, 0, "preview fails on a host that is not SEV-ready");
      t.regex(preview.text, /is not ready for AMD SEV: 1 check failed[\s\S]*\[kvm-amd-sev\][\s\S]*Warnings \(not blocking\)[\s\S]*\[mem-encrypt\]/);
    } finally {
      restore();
    }
    t.is((await s.refresh()).code, 0);
    const healed = await s.expectNoChanges();
    t.is(healed.code, 0, healed.text);
    t.is((await s.destroy()).code, 0);
  });
});
