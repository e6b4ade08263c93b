/**
 * SevGuest under faults and on every path that can take a slot: a frozen host at preview, a
 * model change into a full pool, a paused guest left by an interrupted run, a busy host lock.
 */
import anyTest, { TestFn } from "ava";
import { sevGuestProvider as p } from "../../provider/resources/sev-guest-provider";
import { SevGuestInputs } from "../../provider/generated/sev-guest";
import { SevFlavorInputs } from "../../provider/generated/sev-flavor";
import { holdWhileOpen } from "../../provider/effects/ssh";
import { LOCK_HELD, lockCommand, withHostLock } from "../../provider/effects/lock";
import { startLab, TestLab } from "../helpers/lab";
import { checkAndCreate } from "../helpers/guest";
import { processRunning, until } from "../helpers/wait";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

const SEV: SevFlavorInputs = { name: "sev.tiny", vcpus: 1, memory: "1G", disk: 10, extraSpecs: { "hw:mem_encryption": true } };
const SEV_ES: SevFlavorInputs = { ...SEV, extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" } };

function guest(lab: TestLab, host: string, name: string, extra: Partial<SevGuestInputs> = {}): SevGuestInputs {
  return {
    host: lab.inputs(host, { commandTimeoutSeconds: 3, connectTimeoutSeconds: 3 }),
    flavor: SEV,
    name,
    bootDisk: { path: lab.image(host, `${name}.qcow2`), format: "qcow2" },
    owner: { project: "faults", stack: "dev", urn: `urn:pulumi:dev::faults::pulumi-nodejs:dynamic/sev:SevGuest::${name}` },
    ...extra,
  };
}

const create = checkAndCreate;

test.serial("preview of an unchanged guest does not need its host; a changed one asks it", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "steady-1");
  const out = await create(inputs);
  lab.freeze("rome");
  try {
    const start = Date.now();
    const same = await p.check!(out as unknown as Record<string, unknown>, inputs as unknown as Record<string, unknown>);
    t.deepEqual(same.failures, []);
    t.true(Date.now() - start < 1000, "answered without the host");
    // (another maxGuests: not answered from the probe cached by create's own check)
    const changed = { ...inputs, host: { ...inputs.host, maxGuests: { sev: 50 } }, flavor: SEV_ES };
    const moved = await t.throwsAsync(p.check!(out as unknown as Record<string, unknown>, changed as unknown as Record<string, unknown>));
    t.regex(moved!.message, /no answer within 3s|connection was lost/, "a model change is judged against the host, which does not answer");
  } finally {
    lab.thaw("rome");
  }
  await p.delete!(out.uuid, out);
});

test.serial("a model change into a full pool is refused at preview and again under the lock at update", async (t) => {
  const { lab } = t.context;
  const host = lab.inputs("rome", { maxGuests: { sev: 4, sevEs: 0 } });
  const inputs = guest(lab, "rome", "mover-1", { host });
  const out = await create(inputs);
  const news = { ...inputs, flavor: SEV_ES };
  const checked = await p.check!(out as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  t.regex(checked.failures?.[0]?.reason ?? "", /the sev-es slot pool cannot hold 1 new guest: total 0 \(override\)[\s\S]*Guests that do not fit: mover-1/);
  const err = await t.throwsAsync(p.update!(out.uuid, out, news));
  t.regex(err!.message, /sev-es slot pool cannot hold 1 new guest/);
  t.regex(await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "mover-1"]), /<launchSecurity type='sev'>/, "nothing was redefined");
  await p.delete!(out.uuid, out);
});

test.serial("a paused guest left by an interrupted run is taken over as it is: not restarted, not undefined", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "genoa", "paused-1");
  const first = await create(inputs);
  await lab.sh("genoa", ["virsh", "suspend", "paused-1"]);
  // The state lost the guest (the run was killed after define): the next up creates it again.
  const again = await create(inputs);
  t.is(again.uuid, first.uuid);
  t.is(again.state, "paused", "left paused: its owner resumes it");
  t.regex(await lab.sh("genoa", ["virsh", "list", "--all", "--name"]), /paused-1/, "still defined");
  const second = await create(inputs);
  t.is(second.state, "paused", "and again: the takeover converges");
  await lab.sh("genoa", ["virsh", "resume", "paused-1"]);
  await p.delete!(again.uuid, again);
  t.notRegex(await lab.sh("genoa", ["virsh", "list", "--all", "--name"]), /paused-1/);
});

test.serial("a lock wait that runs out names the holder", async (t) => {
  const { lab } = t.context;
  const target = lab.target("genoa");
  const release = await holdWhileOpen(target, lockCommand(60, "create of guest db-9 by infra/prod (pid 4242 on ci-7)"), LOCK_HELD, 30_000);
  try {
    const err = await t.throwsAsync(
      withHostLock(lab.target("genoa", { passphrase: lab.host("genoa").passphrase }), 2, "create of guest late-1 by faults/dev", async () => undefined),
    );
    t.regex(
      err!.message,
      /could not take the host lock \/run\/lock\/pulumi-sev\.lock within 2s: held by create of guest db-9 by infra\/prod \(pid 4242 on ci-7\)/,
    );
    t.regex(err!.message, /raise lockWaitSeconds/);
  } finally {
    await release();
  }
});

test.serial(
  "the connection dropped between define and start: the error says the guest was left defined, and the next create converges to one running guest",
  async (t) => {
    const { lab } = t.context;
    const inputs = guest(lab, "genoa", "dropped-1", { host: lab.inputs("genoa", { commandTimeoutSeconds: 20 }) });
    const delay = "2.37"; // a sleep only the shim's delayed start runs: its process shows the start is under way
    lab.fault("genoa", "start-delay", delay);
    let err: Error | null;
    try {
      const creating = checkAndCreate(inputs).then(
        () => null,
        (e: Error) => e,
      );
      await until("virsh start on the host", async () => processRunning(`sleep ${delay}`), 20_000);
      lab.dropConnections("genoa");
      err = await creating;
    } finally {
      lab.fault("genoa", "start-delay", null);
    }
    t.truthy(err!, "the create fails");
    t.regex(err!.message, /guest dropped-1 \(\S+\) is defined, but whether it started is not known: .*connection was lost/s);
    t.regex(err!.message, /left as it is .* the next pulumi up takes it over/s);
    t.deepEqual(
      (await lab.domains("genoa")).filter((n) => n === "dropped-1"),
      ["dropped-1"],
      "the message is true: the guest is still defined",
    );

    // Whatever the interrupted start did on the host, the next create ends with exactly one guest, running.
    await new Promise((r) => setTimeout(r, 2500));
    const again = await checkAndCreate(inputs);
    t.is(again.state, "running");
    t.deepEqual(
      (await lab.domains("genoa")).filter((n) => n === "dropped-1"),
      ["dropped-1"],
    );
    await p.delete!(again.uuid, again);
  },
);

test.serial("slow starts do not hold the host lock: three concurrent creates with 10 s starts and a 6 s lock wait all succeed", async (t) => {
  const { lab } = t.context;
  lab.fault("genoa", "start-delay", "10");
  try {
    const host = lab.inputs("genoa", { commandTimeoutSeconds: 30, lockWaitSeconds: 6 });
    const outs = await Promise.all([1, 2, 3].map((i) => checkAndCreate(guest(lab, "genoa", `slow-${i}`, { host }))));
    t.deepEqual(
      outs.map((o) => o.state),
      ["running", "running", "running"],
    );
    for (const o of outs) await p.delete!(o.uuid, o);
  } finally {
    lab.fault("genoa", "start-delay", null);
  }
});
