/**
 * The SSH layer under faults, on real lab sshd servers: a host that freezes, a command that hangs,
 * more concurrent work than OpenSSH's default MaxSessions 10, keys that cannot be used.
 */
import anyTest, { TestFn } from "ava";
import { execFileSync } from "child_process";
import { closeAll, exec } from "../../provider/effects/ssh";
import { withHostLock } from "../../provider/effects/lock";
import { startLab, TestLab } from "../helpers/lab";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

async function elapsed<T>(p: Promise<T>): Promise<{ ms: number; result?: T; error?: Error }> {
  const start = Date.now();
  try {
    return { ms: Date.now() - start, result: await p };
  } catch (error) {
    return { ms: Date.now() - start, error: error as Error };
  }
}

test.serial("a host that freezes under an open connection fails its command in bounded time, naming host and command", async (t) => {
  const { lab } = t.context;
  const target = lab.target("rome", { commandTimeoutMs: 5000 });
  await exec(target, ["true"]); // the connection is open and pooled
  lab.freeze("rome");
  try {
    const r = await elapsed(exec(target, ["virsh", "list", "--all"]));
    t.truthy(r.error, "the command must fail, not hang");
    t.regex(r.error!.message, new RegExp(`root@127\\.0\\.0\\.1:${lab.host("rome").port}: \`virsh list --all\``));
    t.regex(r.error!.message, /no answer within|connection was lost/);
    t.true(r.ms < 25_000, `failed after ${r.ms} ms`);
    t.log(`frozen host, commandTimeout 5 s: failed after ${r.ms} ms: ${r.error!.message}`);
  } finally {
    lab.thaw("rome");
    closeAll();
  }
});

test.serial("a host that accepts TCP but never answers fails the connect within connectTimeout", async (t) => {
  const { lab } = t.context;
  closeAll();
  lab.freeze("rome");
  try {
    const r = await elapsed(exec(lab.target("rome", { connectTimeoutMs: 3000, commandTimeoutMs: 5000 }), ["true"]));
    t.regex(r.error?.message ?? "", /cannot connect/);
    t.true(r.ms < 10_000, `failed after ${r.ms} ms`);
  } finally {
    lab.thaw("rome");
  }
});

test.serial("a command that hangs on the host is stopped there at the deadline, not left running", async (t) => {
  const { lab } = t.context;
  const marker = "97.5";
  const r = await elapsed(exec(lab.target("genoa", { commandTimeoutMs: 2000 }), ["sleep", marker]));
  t.regex(r.error?.message ?? "", /`sleep 97\.5`: did not finish within 2s and was stopped on the host \(commandTimeoutSeconds\)/);
  t.true(r.ms < 10_000);
  const left = execFileSync("ps", ["-e", "-o", "args="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.trim() === `sleep ${marker}`);
  t.deepEqual(left, [], "no hung process is left on the host");
});

test.serial("more concurrent commands than MaxSessions 10 on one connection all succeed, queued", async (t) => {
  const { lab } = t.context;
  const target = lab.target("genoa");
  const runs = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => exec(target, ["sh", "-c", `sleep 0.3; echo ${i}`])));
  const failed = runs.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
  t.deepEqual(failed, []);
  t.deepEqual(
    runs.map((r) => (r as PromiseFulfilledResult<{ stdout: string }>).value.stdout.trim()),
    Array.from({ length: 24 }, (_, i) => String(i)),
  );
});

test.serial("each command gets its own stdin: concurrent, empty, and larger than the channel window", async (t) => {
  const { lab } = t.context;
  const target = lab.target("genoa");
  const big = "x".repeat(5 << 20); // ssh2's and sshd's windows are 2 MiB: the rest waits for window adjusts
  const inputs = [...Array.from({ length: 16 }, (_, i) => `input ${i}\n`.repeat(i)), big];
  const runs = await Promise.all(inputs.map((stdin) => exec(target, ["sh", "-c", "wc -c; sleep 0.1"], { stdin })));
  t.deepEqual(
    runs.map((r) => Number(r.stdout.trim())),
    inputs.map((i) => Buffer.byteLength(i)),
  );
  const script = await exec(target, ["sh", "-s", "--", "an argument"], { stdin: 'printf "%s|" "$1"; cat\n' });
  t.is(script.stdout, "an argument|");
});

test.serial("lock holders and waiters cannot starve the holder of channels", async (t) => {
  const { lab } = t.context;
  const target = lab.target("genoa");
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      withHostLock(target, 60, `test holder ${i}`, async () => {
        await Promise.all([exec(target, ["true"]), exec(target, ["true"]), exec(target, ["true"])]);
        order.push(i);
      }),
    ),
  );
  t.is(order.length, 12);
});

test("a wrong passphrase names the host and says what is wrong", async (t) => {
  const { lab } = t.context;
  const err = await t.throwsAsync(exec(lab.target("genoa", { passphrase: "not-the-passphrase" }), ["true"]));
  t.regex(err!.message, new RegExp(`root@127\\.0\\.0\\.1:${lab.host("genoa").port}: cannot use the private key: .*the passphrase is wrong`));
});

test("a key that is not a key names the host", async (t) => {
  const { lab } = t.context;
  const err = await t.throwsAsync(exec(lab.target("genoa", { privateKey: "-----BEGIN GARBAGE-----\nxx\n", passphrase: undefined }), ["true"]));
  t.regex(err!.message, /root@127\.0\.0\.1:\d+: cannot use the private key: .*not a private key in OpenSSH or PEM form/);
});
