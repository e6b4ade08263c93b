/**
 * A host that loses SEV under an existing stack (rebooted without kvm_amd.sev=1 and mem_encrypt=on):
 * refresh and preview say so in the host's own words, and it recovers when the host is fixed.
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

/** Rewrites the lab host's facts in place (they are bind-mounted over /sys/module and /proc/cmdline). */
function loseSev(lab: TestLab): () => void {
  const root = join(lab.host("rome").folder, "root");
  const sevParam = join(root, "sys-module", "kvm_amd", "parameters", "sev");
  const cmdline = join(root, "cmdline");
  const saved = [readFileSync(sevParam, "utf8"), readFileSync(cmdline, "utf8")];
  writeFileSync(sevParam, "0\n");
  writeFileSync(cmdline, saved[1].replace(/\s*mem_encrypt=on/, ""));
  return () => {
    writeFileSync(sevParam, saved[0]);
    writeFileSync(cmdline, saved[1]);
  };
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
      t.regex(refresh.text, /host 127\.0\.0\.1:\d+ is not ready for AMD SEV: 2 checks failed/);
      t.regex(refresh.text, /\[kvm-amd-sev\]/);
      t.regex(refresh.text, /\[mem-encrypt\]/);
      const preview = await s.preview();
      t.not(preview.code, 0, "preview fails on a host that is not SEV-ready");
      t.regex(preview.text, /is not ready for AMD SEV: 2 checks failed[\s\S]*\[kvm-amd-sev\][\s\S]*\[mem-encrypt\]/);
    } finally {
      restore();
    }
    t.is((await s.refresh()).code, 0);
    const healed = await s.expectNoChanges();
    t.is(healed.code, 0, healed.text);
    t.is((await s.destroy()).code, 0);
  });
});
