/**
 * Converging to what the program declares, through the real engine on lab hosts: a guest whose
 * start outcome is unknown is in the state (taken over, or deleted when removed from the
 * program), guests declared to run are started again after a refresh finds them off, a taken
 * domain name fails the preview, and a hung host whose resources do not change is only a warning.
 */
import anyTest, { TestFn } from "ava";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack } from "../helpers/engine";
import { defineForeign } from "../helpers/foreign";
import { processRunning, until } from "../helpers/wait";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

const PROGRAM = "dist/test/programs/hosts/index.js";

interface HostSpec {
  name: string;
  guests?: number;
  commandTimeoutSeconds?: number;
  stopped?: number[];
}

async function stackOf(t: { teardown(fn: () => Promise<void>): void }, lab: TestLab, name: string, hosts: HostSpec[]): Promise<EngineStack> {
  const s = new EngineStack(PROGRAM, name);
  t.teardown(() => s.dispose());
  await s.init({ "sev:inventory": join(lab.dir, "inventory.json"), "sev:hosts": hosts });
  return s;
}

const running = async (lab: TestLab, host: string) =>
  (await lab.sh(host, ["virsh", "list", "--state-running", "--name"]))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();

interface StateResource {
  urn: string;
  id?: string;
  initErrors?: string[];
  outputs?: Record<string, unknown>;
}

async function resourceOf(s: EngineStack, name: string): Promise<StateResource | undefined> {
  const state = JSON.parse(await s.exportState()) as { deployment: { resources: StateResource[] } };
  return state.deployment.resources.find((r) => r.urn.endsWith(`SevGuest::${name}`));
}

/** Runs up while the host's virsh start sleeps, and drops every SSH connection of the host then. */
async function upDroppedDuringStart(lab: TestLab, s: EngineStack, host: string, delay: string): Promise<string> {
  lab.fault(host, "start-delay", delay);
  try {
    const upRun = s.up();
    await until(`virsh start on ${host}`, async () => processRunning(`sleep ${delay}`), 60_000);
    lab.dropConnections(host);
    const up = await upRun;
    if (up.code === 0) throw new Error(`up succeeded although the connection dropped:\n${up.text}`);
    // Whatever the interrupted start does on the host, it is over before the next run.
    await new Promise((r) => setTimeout(r, Number(delay) * 1000 + 500));
    return up.text;
  } finally {
    lab.fault(host, "start-delay", null);
  }
}

test.serial(
  "a start whose outcome is unknown leaves the guest in the state: the next up takes it over and starts it, one removed from the program is deleted",
  async (t) => {
    const { lab } = t.context;
    lab.images("genoa", ["genoa-g1", "genoa-g2"]);
    const s = await stackOf(t, lab, "unknown-start", [{ name: "genoa", guests: 1, commandTimeoutSeconds: 20 }]);

    const failed = await upDroppedDuringStart(lab, s, "genoa", "2.37");
    t.regex(failed, /genoa-g1 \(\S+\) is defined, but whether it started is not known/);
    const recorded = await resourceOf(s, "genoa-g1");
    t.truthy(recorded?.id, "the engine recorded the guest with its id");
    t.is(recorded?.outputs?.state, "unknown");
    t.true(
      (recorded?.initErrors ?? []).some((e) => /whether it started is not known/.test(e)),
      "with the reason",
    );
    t.false((await s.exportState()).includes(lab.host("genoa").passphrase), "no passphrase in the recorded outputs");

    const converge = await s.up();
    t.is(converge.code, 0, converge.text);
    t.deepEqual(
      (await lab.domains("genoa")).filter((n) => n.startsWith("genoa-g")),
      ["genoa-g1"],
      "taken over: one domain",
    );
    t.deepEqual(await running(lab, "genoa"), ["genoa-g1"]);
    t.is((await resourceOf(s, "genoa-g1"))?.id, recorded?.id, "the same domain");
    t.is((await s.expectNoChanges()).code, 0, "then a second run is a no-op");

    await s.setConfig("sev:hosts", [{ name: "genoa", guests: 2, commandTimeoutSeconds: 20 }]);
    await upDroppedDuringStart(lab, s, "genoa", "2.43");
    t.truthy((await resourceOf(s, "genoa-g2"))?.id);
    await s.setConfig("sev:hosts", [{ name: "genoa", guests: 1, commandTimeoutSeconds: 20 }]);
    const removed = await s.up();
    t.is(removed.code, 0, removed.text);
    t.deepEqual(
      (await lab.domains("genoa")).filter((n) => n.startsWith("genoa-g")),
      ["genoa-g1"],
      "the removed guest's domain is gone from the host",
    );
    t.is((await s.destroy()).code, 0);
    t.deepEqual(
      (await lab.domains("genoa")).filter((n) => n.startsWith("genoa-g")),
      [],
    );
  },
);

test.serial("after the host's guests are shut off, up --refresh starts exactly those declared to run; a second up --refresh changes nothing", async (t) => {
  const { lab } = t.context;
  lab.images("rome", ["rome-g1", "rome-g2", "rome-g3"]);
  const s = await stackOf(t, lab, "reboot", [{ name: "rome", guests: 3, stopped: [3] }]);
  const up = await s.up();
  t.is(up.code, 0, up.text);
  t.deepEqual(await running(lab, "rome"), ["rome-g1", "rome-g2"], "start: false is not started");

  for (const g of ["rome-g1", "rome-g2"]) await lab.sh("rome", ["virsh", "destroy", g]);
  t.deepEqual(await running(lab, "rome"), []);
  const again = await s.up(["--refresh"]);
  t.is(again.code, 0, again.text);
  t.deepEqual(await running(lab, "rome"), ["rome-g1", "rome-g2"], "the guests declared to run run again; rome-g3 stays off");
  const states = await Promise.all(["rome-g1", "rome-g2", "rome-g3"].map(async (g) => (await resourceOf(s, g))?.outputs?.state));
  t.deepEqual(states, ["running", "running", "shut off"]);

  const steady = await s.run(["preview", "--refresh", "--expect-no-changes", "--diff"]);
  t.is(steady.code, 0, `a second up --refresh has nothing to do:\n${steady.text}`);
  t.is((await s.destroy()).code, 0);
});

test.serial("a new guest whose domain name is taken on its host fails the preview naming host and domain; the other domain is unchanged", async (t) => {
  const { lab } = t.context;
  const other = { project: "payments", stack: "prod", urn: "urn:pulumi:prod::payments::pulumi-nodejs:dynamic/sev:SevGuest::rome-g1" };
  await defineForeign(lab, "rome", "rome-g1", { vcpus: 1, memoryMiB: 1024, sev: true, owner: other });
  await defineForeign(lab, "genoa", "genoa-g1", { vcpus: 1, memoryMiB: 1024, sev: false });
  const dump = (host: string, name: string) => lab.sh(host, ["virsh", "dumpxml", name]);
  const before = { rome: await dump("rome", "rome-g1"), genoa: await dump("genoa", "genoa-g1") };

  for (const host of ["rome", "genoa"]) {
    const s = await stackOf(t, lab, `taken-${host}`, [{ name: host, guests: 1 }]);
    const preview = await s.preview();
    t.not(preview.code, 0, preview.text);
    const port = lab.host(host).port;
    t.regex(preview.text, new RegExp(`127\\.0\\.0\\.1:${port}: a domain ${host}-g1 is already defined and is not this guest's; adopt it \\(adopt: true`));
  }
  t.deepEqual({ rome: await dump("rome", "rome-g1"), genoa: await dump("genoa", "genoa-g1") }, before, "byte for byte as they were");
  for (const [host, name] of [
    ["rome", "rome-g1"],
    ["genoa", "genoa-g1"],
  ]) {
    await lab.sh(host, ["virsh", "destroy", name]);
    await lab.sh(host, ["virsh", "undefine", "--nvram", name]);
  }
});

test.serial("with one of two hosts hung, up creates a new guest on the other and reports the hung host as a warning; refresh keeps its state", async (t) => {
  const { lab } = t.context;
  lab.images("rome", ["rome-g1"]);
  lab.images("genoa", ["genoa-g1"]);
  const hosts = (genoaGuests: number): HostSpec[] => [
    { name: "rome", guests: 1, commandTimeoutSeconds: 3 },
    { name: "genoa", guests: genoaGuests },
  ];
  const s = await stackOf(t, lab, "hung", hosts(0));
  t.is((await s.up()).code, 0);

  await s.setConfig("sev:hosts", hosts(1));
  lab.freeze("rome");
  try {
    const started = Date.now();
    const up = await s.up();
    t.is(up.code, 0, up.text);
    t.true(Date.now() - started < 90_000, "bounded by the hung host's timeouts");
    const port = lab.host("rome").port;
    t.regex(up.text, new RegExp(`warning: host 127\\.0\\.0\\.1:${port}: not reachable at preview: .*(cannot connect|no answer within)`));
    t.deepEqual(await running(lab, "genoa"), ["genoa-g1"], "the healthy host's new guest was created");

    const refresh = await s.refresh();
    t.is(refresh.code, 0, refresh.text);
    t.regex(refresh.text, new RegExp(`host 127\\.0\\.0\\.1:${port}: not reachable at refresh`));
    t.is((await resourceOf(s, "rome-g1"))?.outputs?.state, "running", "the hung host's guest is kept as last known");
  } finally {
    lab.thaw("rome");
  }
  t.is((await s.expectNoChanges()).code, 0);
  t.is((await s.destroy()).code, 0);
});

test.serial(
  "a host whose domain capabilities cannot be read: refresh keeps its guest as read, no drift judged; with them back, nothing to change",
  async (t) => {
    const { lab } = t.context;
    lab.images("rome", ["rome-g1"]);
    const s = await stackOf(t, lab, "no-domcaps", [{ name: "rome", guests: 1 }]);
    const up = await s.up();
    t.is(up.code, 0, up.text);
    lab.fault("rome", "domcapabilities-fails", "1");
    try {
      const refresh = await s.refresh();
      t.is(refresh.code, 0, refresh.text);
      const guest = await resourceOf(s, "rome-g1");
      t.is(guest?.outputs?.state, "running");
      t.deepEqual(guest?.outputs?.drift, []);
    } finally {
      lab.fault("rome", "domcapabilities-fails", null);
    }
    const back = await s.refresh();
    t.is(back.code, 0, back.text);
    t.is((await s.expectNoChanges()).code, 0, "the guest and its host as declared");
    t.is((await s.destroy()).code, 0);
  },
);
