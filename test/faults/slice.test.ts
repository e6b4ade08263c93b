/**
 * machine.slice ownership through the real engine: a replacement on the same machine keeps the
 * limit, several stacks on one host share it by the documented rule, a value changed by hand is
 * left alone on destroy with a warning.
 */
import anyTest, { ExecutionContext, TestFn } from "ava";
import { readdirSync } from "fs";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;
const PROGRAM = "dist/test/programs/hosts/index.js";
const GiB = 1024 ** 3;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

interface HostSpec {
  name: string;
  address?: string;
  limit?: string;
  guests?: number;
}

async function stack(t: ExecutionContext<{ lab: TestLab }>, name: string, hosts: HostSpec[]): Promise<EngineStack> {
  const s = new EngineStack(PROGRAM, name);
  t.teardown(() => s.dispose());
  await s.init({ "sev:inventory": join(t.context.lab.dir, "inventory.json"), "sev:hosts": hosts });
  return s;
}

async function memoryMax(lab: TestLab, host: string): Promise<string> {
  return (await lab.sh(host, ["systemctl", "show", "machine.slice", "-p", "MemoryMax"])).trim().replace(/^MemoryMax=/, "");
}

function claims(lab: TestLab, host: string): string[] {
  try {
    return readdirSync(join(lab.host(host).folder, "state", "var-lib-pulumi-sev", "machine-slice"));
  } catch {
    return [];
  }
}

test.serial("the host's address spelled another way replaces the SevHost and keeps the limit; destroy restores it", async (t) => {
  const { lab } = t.context;
  const s = await stack(t, "respell", [{ name: "rome", limit: "200G" }]);
  const up = await s.up();
  t.is(up.code, 0, up.text);
  t.is(await memoryMax(lab, "rome"), String(200 * GiB));
  t.is(claims(lab, "rome").length, 1, "the SevHost recorded its claim on the host");

  await s.setConfig("sev:hosts", [{ name: "rome", address: "localhost", limit: "200G" }]);
  const replaced = await s.up();
  t.is(replaced.code, 0, replaced.text);
  t.regex(replaced.text, /replaced/);
  t.is(await memoryMax(lab, "rome"), String(200 * GiB), "the original's delete left the limit to its replacement");
  t.is(claims(lab, "rome").length, 1);
  t.is((await s.expectNoChanges()).code, 0);

  const destroy = await s.destroy();
  t.is(destroy.code, 0, destroy.text);
  t.is(await memoryMax(lab, "rome"), "infinity");
  t.deepEqual(claims(lab, "rome"), []);
});

test.serial("two stacks on one host: the same limit is shared, another is refused at preview naming the holder; the last one out restores", async (t) => {
  const { lab } = t.context;
  await lab.sh("genoa", ["systemctl", "set-property", "machine.slice", "MemoryMax=300G"]);
  const alpha = await stack(t, "alpha", [{ name: "genoa", limit: "200G" }]);
  const beta = await stack(t, "beta", [{ name: "genoa", limit: "180G" }]);
  t.is((await alpha.up()).code, 0);

  const refused = await beta.preview();
  t.not(refused.code, 0);
  t.regex(refused.text, /already limited by another SevHost.*sev-test\/alpha .*MemoryMax=214748364800.*wants MemoryMax=193273528320/s);
  t.is(await memoryMax(lab, "genoa"), String(200 * GiB), "the refusal changed nothing");

  await beta.setConfig("sev:hosts", [{ name: "genoa", limit: "200G" }]);
  const shared = await beta.up();
  t.is(shared.code, 0, shared.text);
  t.is(claims(lab, "genoa").length, 2);

  t.is((await alpha.destroy()).code, 0);
  t.is(await memoryMax(lab, "genoa"), String(200 * GiB), "kept: beta still claims it");
  t.is(claims(lab, "genoa").length, 1);
  t.is((await beta.destroy()).code, 0);
  t.is(await memoryMax(lab, "genoa"), String(300 * GiB), "the last one out restores what the host had before the first");
  t.deepEqual(claims(lab, "genoa"), []);
});

test.serial("a limit changed by hand is left as it is on destroy, with a warning that says how to restore", async (t) => {
  const { lab } = t.context;
  const s = await stack(t, "by-hand", [{ name: "rome", limit: "200G" }]);
  t.is((await s.up()).code, 0);
  await lab.sh("rome", ["systemctl", "set-property", "machine.slice", "MemoryMax=100G"]);
  const destroy = await s.destroy();
  t.is(destroy.code, 0, destroy.text);
  t.is(await memoryMax(lab, "rome"), String(100 * GiB), "the operator's value stays");
  t.regex(destroy.text, /warning: .*machine\.slice MemoryMax is 107374182400, not the 214748364800 this SevHost set \(changed by hand since\): left as it is/s);
  t.deepEqual(claims(lab, "rome"), []);
  await lab.sh("rome", ["systemctl", "set-property", "machine.slice", "MemoryMax=infinity"]);
});
