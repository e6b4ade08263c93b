/**
 * The SSH trace (PULUMI_SEV_TRACE): every exchange with a host is recorded under the operation it
 * served, and bench/tools/round-trips.ts counts the round trips in series from it.
 */
import anyTest, { TestFn } from "ava";
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import * as ssh from "../../provider/effects/ssh";
import { withHostLock } from "../../provider/effects/lock";
import { during } from "../../provider/effects/trace";
import { inHostBatch } from "../../provider/guest/batch";
import { readTrace, structuralSeries, summarize, TraceEvent, unionMs } from "../../bench/tools/round-trips";

const test = anyTest as TestFn<{ lab: TestLab }>;
const file = join(mkdtempSync(join(tmpdir(), "sev-trace-")), "trace.jsonl");
process.env.PULUMI_SEV_TRACE = file;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => {
  ssh.closeAll();
  t.context.lab?.stop();
});

test.serial("each exchange is recorded under its operation, with its steps", async (t) => {
  const target = t.context.lab.target("rome");
  await during({ operation: "SevGuest.create", resource: "g1" }, async () => {
    await ssh.exec(target, ["cat"], { stdin: "hello\n", purpose: "echo" });
    await withHostLock(target, 10, "trace test", () => ssh.exec(target, ["true"]));
  });
  const events = readTrace([file]);
  const label = ssh.label(target);
  t.deepEqual(
    events.map((e) => [e.kind, e.op, e.host]),
    [
      ["connect", "SevGuest.create", label],
      ["exec", "SevGuest.create", label],
      ["hold", "SevGuest.create", label],
      ["exec", "SevGuest.create", label],
      ["release", "SevGuest.create", label],
    ],
  );
  const [connect, echo] = events;
  t.true(connect.steps.handshake > 0 && connect.steps.handshake <= connect.ms);
  t.is(echo.purpose, "echo");
  t.is(echo.stdin, 6);
  t.true(echo.steps.opened <= echo.ms && echo.steps.output <= echo.ms);
  t.true(events.every((e) => e.resource === "g1"));
  // In series, by structure: a connection, the echo (with stdin), the hold, the exec under it, the release.
  const { operations } = summarize(events, 0);
  t.is(operations[0].structuralPerHost, structuralSeries(events));
  t.is(structuralSeries(events), 5 + 3 + 2 + 2 + 1);
  t.regex(readFileSync(file, "utf8"), /^\{"t":/);
});

test.serial("creates that share a lock hold: each one's work is recorded under its own create, the hold under the first", async (t) => {
  const l = { target: t.context.lab.target("rome"), uri: "qemu:///system" };
  const before = readTrace([file]).length;
  const create = (resource: string) =>
    during({ operation: "SevGuest.create", resource }, () =>
      inHostBatch(l, 10, "trace test", async (count) => {
        await ssh.exec(l.target, ["true"], { purpose: `work of ${resource}` });
        return { value: resource, count };
      }),
    );
  t.deepEqual(await Promise.all([create("a"), create("b")]), ["a", "b"]);
  const events = readTrace([file]).slice(before);
  t.deepEqual(
    events.filter((e) => e.kind === "exec").map((e) => [e.purpose, e.resource]),
    [
      ["work of a", "a"],
      ["work of b", "b"],
    ],
  );
  t.deepEqual(
    events.filter((e) => e.kind === "hold").map((e) => e.resource),
    ["a"],
  );
});

test("the series of overlapping exchanges counts them once, of following ones adds them", (t) => {
  const ev = (t0: number, ms: number): TraceEvent => ({ t: t0, ms, kind: "exec", host: "h", op: "o", purpose: "p", steps: {}, pid: 1 });
  t.is(
    unionMs([
      [0, 10],
      [5, 15],
      [20, 30],
    ]),
    25,
  );
  // Two at once, then one: 2 channels in series, not 3.
  t.is(structuralSeries([ev(0, 10), ev(1, 10), ev(20, 10)]), 4);
});
