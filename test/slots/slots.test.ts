/** Slot accounting on lab hosts: the create-time lock, and refusal at `pulumi preview` through the engine. */
import anyTest, { TestFn } from "ava";
import { join } from "path";
import { sevGuestProvider as p } from "../../provider/resources/sev-guest-provider";
import { SevGuestInputs } from "../../provider/generated/sev-guest";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack, withStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["naples", "rome"]);
});
test.after.always((t) => t.context.lab?.stop());

function guest(lab: TestLab, name: string, stack: string): SevGuestInputs {
  return {
    host: lab.inputs("naples", { maxGuests: { sev: 1 } }),
    flavor: { name: "sev.tiny", vcpus: 1, memory: 1024, disk: 10, extraSpecs: { "hw:mem_encryption": true } },
    name,
    bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2` },
    owner: { project: "race", stack, urn: `urn:pulumi:${stack}::race::pulumi-nodejs:dynamic/sev:SevGuest::${name}` },
  };
}

test.serial("two stacks racing for the last slot: exactly one wins, the loser defines nothing", async (t) => {
  const { lab } = t.context;
  const results = await Promise.allSettled([p.create(guest(lab, "race-a", "one")), p.create(guest(lab, "race-b", "two"))]);
  const won = results.filter((r) => r.status === "fulfilled");
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  t.is(won.length, 1);
  t.is(lost.length, 1);
  t.regex(lost[0].reason.message, /the sev slot pool cannot hold 1 new guest: total 1 \(override\), used by others 1/);
  t.is((await lab.domains("naples")).length, 1);
  for (const name of await lab.domains("naples")) {
    await lab.sh("naples", ["virsh", "destroy", name]);
    await lab.sh("naples", ["virsh", "undefine", name]);
  }
});

/** The slots program on rome, destroyed and removed afterwards. */
function onSlotStack(
  lab: TestLab,
  maxGuests: number,
  guests: { resource: string; name?: string; late?: boolean; replicaOf?: string }[],
  fn: (s: EngineStack) => Promise<void>,
): Promise<void> {
  const config = { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome", "sev:maxGuests": String(maxGuests), "sev:guests": guests };
  lab.images(
    "rome",
    guests.map((g) => g.resource),
  );
  return withStack("dist/test/programs/slots/index.js", config, async (s) => {
    try {
      await fn(s);
    } finally {
      await s.destroy();
    }
  });
}

test.serial("more guests than free slots fail at preview with one message, and nothing changes", async (t) => {
  const { lab } = t.context;
  await onSlotStack(lab, 2, [{ resource: "g1" }, { resource: "g2" }, { resource: "g3" }], async (s) => {
    const preview = await s.preview();
    t.not(preview.code, 0);
    t.regex(
      preview.text,
      /the sev slot pool cannot hold 3 new guests: total 2 \(override\), used by others 0, used by this stack 0, requested 3, free before this change 2\. Guests that do not fit: g3\./,
    );
    t.notRegex(preview.text, /\+\s+pulumi-nodejs:dynamic\/sev:SevGuest (g1|g2) create(d)?\s*$/m, "no guest of the over-committed pool goes ahead");
    t.deepEqual(await lab.domains("rome"), [], "preview changes nothing");
    t.false(preview.text.includes("PRIVATE KEY") || preview.text.includes(lab.host("rome").passphrase), "no credentials in the error");
    const up = await s.up();
    t.not(up.code, 0, "up refuses too, even without its preview");
    t.deepEqual(await lab.domains("rome"), [], "and defines nothing");
  });
});

test.serial("a guest declared after its host's slot plan was made is still counted with the others at preview", async (t) => {
  const { lab } = t.context;
  await onSlotStack(lab, 2, [{ resource: "g1" }, { resource: "g2" }, { resource: "g3", late: true }], async (s) => {
    const preview = await s.preview();
    t.not(preview.code, 0, preview.text);
    t.regex(
      preview.text,
      /the sev slot pool cannot hold 3 new guests: total 2 \(override\), used by others 0, used by this stack 0, requested 3, free before this change 2\. Guests that do not fit: g3\./,
    );
    t.deepEqual(await lab.domains("rome"), [], "preview changes nothing");
  });
});

test.serial("a guest named after another guest's output is counted without waiting for it: preview and up end", async (t) => {
  const { lab } = t.context;
  await onSlotStack(lab, 1, [{ resource: "db" }, { resource: "db-2", replicaOf: "db" }], async (s) => {
    const preview = await s.preview();
    t.not(preview.code, 0, preview.text);
    t.regex(preview.text, /the sev slot pool cannot hold 2 new guests: total 1 \(override\)[^\n]*Guests that do not fit: db-2\./);
    await s.setConfig("sev:maxGuests", "2");
    const up = await s.up();
    t.is(up.code, 0, up.text);
    t.deepEqual(await lab.domains("rome"), ["db", "db-replica"]);
  });
});

type StateResource = { type: string; urn: string; inputs: Record<string, unknown>; outputs: Record<string, unknown>; parent?: string };

test.serial("the host's slot plan travels once, as its own resource, and is not stored: guests keep none of it", async (t) => {
  const { lab } = t.context;
  await onSlotStack(lab, 3, [{ resource: "g1" }, { resource: "g2", name: "second" }], async (s) => {
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const resources = JSON.parse(await s.exportState()).deployment.resources as StateResource[];
    const host = resources.find((r) => r.type.endsWith("sev:SevHost"))!;
    const plans = resources.filter((r) => r.type.endsWith("sev:SevSlotPlan"));
    t.is(plans.length, 1);
    t.is(plans[0].parent, host.parent, "beside its host");
    t.is(plans[0].inputs.host, host.urn);
    t.true(plans[0].urn.endsWith("::rome-slot-plan"));
    // Its requests served the guests' checks in this run: the state keeps only the host's URN.
    t.deepEqual(Object.keys(plans[0].inputs).sort(), ["__provider", "host"]);
    t.deepEqual(Object.keys(plans[0].outputs).sort(), ["__provider", "host"]);
    for (const guest of resources.filter((r) => r.type.endsWith("sev:SevGuest"))) {
      t.false("slotPlan" in guest.inputs || "slotPlan" in guest.outputs, `${guest.urn} keeps no slot plan`);
    }
    t.is((await s.expectNoChanges()).code, 0, "a second preview changes nothing");
    // One more guest: the plan's check counts it with the others; the plan itself has nothing to update.
    lab.images("rome", ["g3"]);
    await s.setConfig("sev:guests", [{ resource: "g1" }, { resource: "g2", name: "second" }, { resource: "g3" }]);
    const steps = (await s.preview()).steps.filter((st) => st.op !== "same").map((st) => `${st.op} ${st.urn.split("::").pop()}`);
    t.deepEqual(steps, ["create g3"]);
  });
});

test.serial("a protected host loses its last guest: its slot plan goes too, the host stays", async (t) => {
  const { lab } = t.context;
  await onSlotStack(lab, 2, [{ resource: "g1" }], async (s) => {
    await s.setConfig("sev:protectHost", "true");
    t.is((await s.up()).code, 0);
    await s.setConfig("sev:guests", []);
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const types = (JSON.parse(await s.exportState()).deployment.resources as StateResource[]).map((r) => r.type.split(":").pop());
    t.true(types.includes("SevHost"));
    t.false(types.includes("SevSlotPlan") || types.includes("SevGuest"), types.join(", "));
    await s.setConfig("sev:protectHost", "false");
    t.is((await s.up()).code, 0, "unprotected, so the stack can be destroyed");
  });
});

test.serial("a replacement on a full host needs a second slot: refused at preview unless deleteBeforeReplace", async (t) => {
  const { lab } = t.context;
  await onSlotStack(lab, 2, [{ resource: "g1" }, { resource: "g2" }], async (s) => {
    const up = await s.up();
    t.is(up.code, 0, up.text);
    t.deepEqual(await lab.domains("rome"), ["g1", "g2"]);
    t.is((await s.expectNoChanges()).code, 0);

    await s.setConfig("sev:guests", [{ resource: "g1" }, { resource: "g2", name: "g2-renamed" }]);
    const preview = await s.preview();
    t.not(preview.code, 0);
    t.regex(preview.text, /replacing guest g2-renamed needs a second sev slot while the original still exists/);
    t.regex(preview.text, /deleteBeforeReplace: true/);

    await s.setConfig("sev:deleteBeforeReplace", "true");
    const replaced = await s.up();
    t.is(replaced.code, 0, replaced.text);
    t.deepEqual(await lab.domains("rome"), ["g1", "g2-renamed"]);
  });
});
