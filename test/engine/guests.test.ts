/** The quickstart and the SEV-ES example through the real engine, with guests stored by libvirt on lab hosts. */
import anyTest, { TestFn } from "ava";
import { readFileSync } from "fs";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { withStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

test.serial("quickstart: preview, up, no-op, refresh after an out-of-band undefine, repair, destroy", async (t) => {
  const { lab } = t.context;
  lab.images("rome", ["web-1", "web-2"]);
  await withStack("dist/examples/quickstart/index.js", { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome" }, async (s) => {
    const preview = await s.preview();
    t.is(preview.code, 0, preview.text);
    const planned = preview.steps
      .filter((x) => x.op === "create" && x.urn.includes("dynamic/sev:"))
      .map((x) => x.urn.split("::").pop())
      .sort();
    t.deepEqual(planned, ["rome", "rome-slot-plan", "sev.small", "web-1", "web-2"]);
    t.deepEqual(await lab.domains("rome"), [], "preview defines nothing");

    const up = await s.up();
    t.is(up.code, 0, up.text);
    t.deepEqual(await lab.domains("rome"), ["web-1", "web-2"]);
    const xml = await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "web-1"]);
    t.regex(xml, /<launchSecurity type='sev'>/);
    t.regex(xml, /iommu='on'/);
    const states = (await s.outputs()).guestStates as { name: string; state: string; model: string }[];
    t.deepEqual(
      states.map((g) => [g.name, g.state, g.model]),
      [
        ["web-1", "running", "sev"],
        ["web-2", "running", "sev"],
      ],
    );
    t.is((await s.expectNoChanges()).code, 0, "a second run is a no-op");

    await lab.sh("rome", ["virsh", "destroy", "web-2"]);
    await lab.sh("rome", ["virsh", "undefine", "--nvram", "web-2"]);
    const refresh = await s.refresh();
    t.is(refresh.code, 0, refresh.text);
    t.regex(refresh.text, /web-2[\s\S]*delete|deleted/);
    const repair = await s.up();
    t.is(repair.code, 0, repair.text);
    t.deepEqual(await lab.domains("rome"), ["web-1", "web-2"]);

    const destroy = await s.destroy();
    t.is(destroy.code, 0, destroy.text);
    t.deepEqual(await lab.domains("rome"), []);
    t.is((await lab.sh("rome", ["systemctl", "show", "machine.slice", "-p", "MemoryMax"])).trim(), "MemoryMax=infinity");
  });
});

test.serial("sev-es example: the guest carries the ES policy bit", async (t) => {
  const { lab } = t.context;
  lab.image("rome", "vault-1.qcow2", "raw");
  await withStack("dist/examples/sev-es/index.js", { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome" }, async (s) => {
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const guest = (await s.outputs()).guest as { model: string; policy: string };
    t.deepEqual([guest.model, guest.policy], ["sev-es", "0x0037"]);
    t.regex(await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "vault-1"]), /<policy>0x0037<\/policy>/);
    t.is((await s.destroy()).code, 0);
    t.deepEqual(await lab.domains("rome"), []);
  });
});

test.serial(
  "preview refuses guests whose boot disks are not on the host: each named with host and path, in one disk check per host; nothing is defined",
  async (t) => {
    const { lab } = t.context;
    lab.images("genoa", ["web-1"]);
    // The provider process traces its exchanges (PULUMI_SEV_TRACE, read when the stack is made).
    const trace = join(lab.dir, "disk-check.trace.jsonl");
    process.env.PULUMI_SEV_TRACE = trace;
    const run = withStack("dist/examples/quickstart/index.js", { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "genoa" }, async (s) => {
      const marks = lab.sshdLog("genoa").length;
      const preview = await s.preview();
      t.not(preview.code, 0);
      const text = preview.text.replace(/\\n/g, "\n");
      const port = lab.host("genoa").port;
      t.regex(text, new RegExp(`127\\.0\\.0\\.1:${port}: guest web-2: boot disk /var/lib/libvirt/images/web-2\\.qcow2 is not on the host`));
      t.notRegex(text, /guest web-1: boot disk/, "web-1's disk is there");
      const checks = lab
        .sshdLog("genoa")
        .slice(marks)
        .filter((l) => /Starting session: command/.test(l));
      t.is(checks.length, 2, `the host's probe and one disk check (the slot plan's check starts it): ${checks.length} exec channels`);
      const diskChecks = readFileSync(trace, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { op: string; purpose: string })
        .filter((e) => e.purpose.startsWith("check the guests' disks"));
      t.deepEqual(
        diskChecks.map((e) => e.op),
        ["SevSlotPlan.check"],
        "started at the slot plan's check, before the first guest's",
      );
      t.deepEqual(await lab.domains("genoa"), []);
    });
    delete process.env.PULUMI_SEV_TRACE;
    await run;
  },
);
