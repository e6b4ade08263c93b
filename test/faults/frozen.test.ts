/**
 * A host that freezes in the middle of `pulumi up` (sshd stopped with SIGSTOP: TCP still accepted,
 * nothing answers), through the real engine: the run fails in bounded time naming the host, the
 * other host's guests go ahead, and after the host comes back the next up converges.
 */
import anyTest, { TestFn } from "ava";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack } from "../helpers/engine";
import { processRunning, until } from "../helpers/wait";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

test("a host frozen mid-up with commandTimeoutSeconds 5 fails the run in bounded time, naming it; the other host goes ahead; the next up converges", async (t) => {
  const { lab } = t.context;
  lab.images("rome", ["rome-g1", "rome-g2"]);
  lab.images("genoa", ["genoa-g1", "genoa-g2"]);
  const s = new EngineStack("dist/test/programs/hosts/index.js", "frozen");
  t.teardown(() => s.dispose());
  const hosts = (guests: number) => [
    { name: "rome", guests, commandTimeoutSeconds: 5 },
    { name: "genoa", guests },
  ];
  await s.init({ "sev:inventory": join(lab.dir, "inventory.json"), "sev:hosts": hosts(0) });
  t.is((await s.up()).code, 0);

  await s.setConfig("sev:hosts", hosts(2));
  const delay = "3.41"; // rome's starts are slow, so the run is under way on rome when it freezes
  lab.fault("rome", "start-delay", delay);
  const upRun = s.up();
  let frozenAt = 0;
  try {
    await until("a guest start on rome", () => processRunning(`sleep ${delay}`), 60_000);
    lab.freeze("rome");
    frozenAt = Date.now();
    const up = await upRun;
    const seconds = (Date.now() - frozenAt) / 1000;
    t.log(`pulumi up failed ${seconds.toFixed(1)} s after rome froze (commandTimeoutSeconds 5)`);
    t.not(up.code, 0, up.text);
    t.true(seconds < 45, `failed after ${seconds} s`);
    t.regex(up.text, new RegExp(`127\\.0\\.0\\.1:${lab.host("rome").port}`), "the error names the frozen host");
    t.regex(up.text, /no answer within|connection was lost|cannot connect/);
  } finally {
    lab.thaw("rome");
    lab.fault("rome", "start-delay", null);
  }
  t.deepEqual(
    (await lab.domains("genoa")).filter((n) => n.startsWith("genoa-g")),
    ["genoa-g1", "genoa-g2"],
    "the healthy host's guests were created",
  );

  const again = await s.up();
  t.is(again.code, 0, again.text);
  t.deepEqual(
    (await lab.domains("rome")).filter((n) => n.startsWith("rome-g")),
    ["rome-g1", "rome-g2"],
    "exactly one domain per guest",
  );
  t.regex(await lab.sh("rome", ["virsh", "list", "--state-running", "--name"]), /rome-g1[\s\S]*rome-g2|rome-g2[\s\S]*rome-g1/);
  t.is((await s.expectNoChanges()).code, 0);
  t.is((await s.destroy()).code, 0);
  t.deepEqual(
    (await lab.domains("rome")).filter((n) => n.startsWith("rome-g")),
    [],
  );
});
