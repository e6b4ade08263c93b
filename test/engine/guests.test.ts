/** The quickstart and the SEV-ES example through the real engine, with guests stored by libvirt on lab hosts. */
import anyTest, { TestFn } from "ava";
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
    const planned = preview.steps.filter((x) => x.op === "create" && x.urn.includes("dynamic/sev:")).map((x) => x.urn.split("::").pop()).sort();
    t.deepEqual(planned, ["rome", "rome-slot-plan", "sev.small", "web-1", "web-2"]);
    t.deepEqual(await lab.domains("rome"), [], "preview defines nothing");

    const up = await s.up();
    t.is(up.code, 0, up.text);
    t.deepEqual(await lab.domains("rome"), ["web-1", "web-2"]);
    const xml = await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "web-1"]);
    t.regex(xml, /<launchSecurity type='sev'>/);
    t.regex(xml, /iommu='on'/);
    const states = (await s.outputs()).guestStates as { name: string; state: string; model: string }[];
    t.deepEqual(states.map((g) => [g.name, g.state, g.model]), [["web-1", "running", "sev"], ["web-2", "running", "sev"]]);
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
