/** SevHost through the real Pulumi engine (CLI + language host + dynamic provider plugin) on lab hosts. */
import anyTest, { TestFn } from "ava";
import { readFileSync } from "fs";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack, withStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;
const GiB = 1024 ** 3;
const FLEET = "dist/examples/fleet/index.js";

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa", "intel", "ubuntu-24.04"]);
});
test.after.always((t) => t.context.lab?.stop());

function onFleet(lab: TestLab, hosts: string[], fn: (s: EngineStack) => Promise<void>): Promise<void> {
  return withStack(FLEET, { "sev:inventory": join(lab.dir, "inventory.json"), "sev:hosts": hosts, "sev:memoryReserve": "16G" }, fn);
}

async function memoryMax(lab: TestLab, host: string): Promise<string> {
  return (await lab.sh(host, ["systemctl", "show", "machine.slice", "-p", "MemoryMax"])).trim();
}

test.serial("preview, up, no-op up, drift on refresh, repair, destroy: the whole life of a SevHost", async (t) => {
  const { lab } = t.context;
  await onFleet(lab, ["rome"], async (s) => {
    const preview = await s.preview();
    t.is(preview.code, 0, preview.text);
    const hostStep = preview.steps.find((x) => x.urn.endsWith("::rome"));
    t.is(hostStep?.op, "create");
    t.is(await memoryMax(lab, "rome"), "MemoryMax=infinity", "preview changes nothing on the host");

    const up = await s.up();
    t.is(up.code, 0, up.text);
    const expected = 256 * GiB - 16 * GiB;
    t.is(await memoryMax(lab, "rome"), `MemoryMax=${expected}`);
    const out = (await s.outputs()).readiness as { host: string; ready: boolean; sevSlots: number; sevEsSlots: number }[];
    t.deepEqual(
      out.map((r) => [r.host, r.ready, r.sevSlots, r.sevEsSlots]),
      [["rome", true, 59, 450]],
    );

    const again = await s.expectNoChanges();
    t.is(again.code, 0, `a second run with no change is a no-op:\n${again.text}`);

    await lab.sh("rome", ["systemctl", "set-property", "machine.slice", "MemoryMax=8G"]);
    const refresh = await s.refresh();
    t.is(refresh.code, 0, refresh.text);
    t.regex(refresh.text, /rome/);
    t.regex(refresh.text, /8589934592/, "refresh shows the out-of-band value");
    t.not((await s.expectNoChanges()).code, 0, "after drift the engine plans a change");
    const repair = await s.up();
    t.is(repair.code, 0, repair.text);
    t.is(await memoryMax(lab, "rome"), `MemoryMax=${expected}`);
    t.is((await s.expectNoChanges()).code, 0);

    const destroy = await s.destroy();
    t.is(destroy.code, 0, destroy.text);
    t.is(await memoryMax(lab, "rome"), "MemoryMax=infinity", "destroy restores machine.slice");
  });
});

test.serial("the private key and its passphrase are secrets in state", async (t) => {
  const { lab } = t.context;
  await onFleet(lab, ["genoa"], async (s) => {
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const state = await s.exportState();
    const key = readFileSync(lab.host("genoa").privateKeyPath, "utf8");
    const keyBody = key.split("\n")[1];
    t.false(state.includes(keyBody), "no line of the private key in state");
    t.false(state.includes(lab.host("genoa").passphrase), "no passphrase in state");
    t.false(up.text.includes(keyBody) || up.text.includes(lab.host("genoa").passphrase), "nor in the CLI's output");
    const doc = JSON.parse(state);
    const host = doc.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::genoa"));
    for (const k of ["privateKey", "privateKeyPassphrase"]) {
      t.is(host.inputs[k]["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", `input ${k} is a secret`);
      t.is(host.outputs[k]["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", `output ${k} is a secret`);
    }
    t.is((await s.destroy()).code, 0);
  });
});

test.serial("a host that is not SEV-ready fails the update with the full check list", async (t) => {
  const { lab } = t.context;
  await onFleet(lab, ["intel"], async (s) => {
    const up = await s.up();
    t.not(up.code, 0);
    for (const id of ["cpu-sev", "kvm-amd-sev", "dev-sev", "domcaps-sev"]) t.true(up.text.includes(`[${id}]`), id);
    t.regex(up.text, /not ready for AMD SEV: 4 checks failed/);
    t.regex(up.text, /Warnings \(not blocking\):[\s\S]*\[mem-encrypt\]/, "SME off is listed as a warning, not a failure");
    t.is(await memoryMax(lab, "intel"), "MemoryMax=infinity", "nothing applied on a failing host");
  });
});

test.serial("a host on Ubuntu 24.04's defaults (no SEV parameters on its command line): preview and up say ready, with the SME warning", async (t) => {
  const { lab } = t.context;
  await onFleet(lab, ["ubuntu-24.04"], async (s) => {
    const preview = await s.preview();
    t.is(preview.code, 0, preview.text);
    t.regex(preview.text, /warning: host [\d.:]+ is ready for AMD SEV: no check failed\.[\s\S]*\[mem-encrypt\] .*no sme flag/, preview.text);
    t.notRegex(preview.text, /not ready/);
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const out = (await s.outputs()).readiness as { host: string; ready: boolean; warnings: string[] }[];
    t.deepEqual(
      out.map((r) => [r.host, r.ready, r.warnings]),
      [["ubuntu-24.04", true, ["mem-encrypt"]]],
    );
    t.is((await s.destroy()).code, 0);
  });
});

test.serial("bad input is refused at preview with every problem, before any host is touched", async (t) => {
  const { lab } = t.context;
  await onFleet(lab, ["rome"], async (s) => {
    await s.setConfig("sev:memoryReserve", "lots");
    await s.setConfig("sev:maxGuests", { rome: { sev: -1 } });
    const before = lab.sshdLog("rome").length;
    const preview = await s.preview();
    t.not(preview.code, 0);
    t.regex(preview.text, /memoryLimit\.reserve/);
    t.regex(preview.text, /maxGuests\.sev/);
    t.is(lab.sshdLog("rome").length, before, "no SSH connection for invalid input");
    t.false(preview.text.includes("PRIVATE KEY") || preview.text.includes(lab.host("rome").passphrase), "no credentials in the errors");
  });
});
