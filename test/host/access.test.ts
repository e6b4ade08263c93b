/** How SevHost reaches a host: non-root users through sudo -n, and a jump host. */
import anyTest, { TestFn } from "ava";
import { execFileSync, spawn } from "child_process";
import { existsSync, mkdtempSync, writeFileSync } from "fs";
import { createServer } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { sevHostProvider as p } from "../../provider/resources/sev-host-provider";
import { SevHostOutputs } from "../../provider/host/state";
import { startLab, TestLab } from "../helpers/lab";
import { withHostLock } from "../../provider/effects/lock";

const test = anyTest as TestFn<{ lab: TestLab }>;
const OPERATOR = "sevlab-ops";
const NO_SUDO = "sevlab-nopw";

/** Two local accounts that log in with the lab key: one with passwordless sudo, one without. */
function ensureAccounts(): void {
  for (const user of [OPERATOR, NO_SUDO]) {
    try {
      execFileSync("id", [user], { stdio: "ignore" });
    } catch {
      execFileSync("useradd", ["--create-home", "--shell", "/bin/sh", user]);
    }
    execFileSync("usermod", ["-p", "*", user]); // no password, but not a locked account for sshd
  }
  writeFileSync("/etc/sudoers.d/pulumi-sev-lab", `${OPERATOR} ALL=(root) NOPASSWD: ALL\n`, { mode: 0o440 });
}

test.before(async (t) => {
  ensureAccounts();
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

test("a non-root user runs the probe through sudo -n and sees root's view", async (t) => {
  const out = (await p.create(t.context.lab.inputs("rome", { user: OPERATOR }))).outs as SevHostOutputs;
  t.true(out.ready);
  t.is(out.facts.domcaps?.sev.maxGuests, 59, "virsh ran (as root, through sudo)");
  t.true(t.context.lab.sshdLog("rome").some((l) => l.includes(`Accepted publickey for ${OPERATOR}`)));
});

test("a user whose sudo wants a password gets one clear error naming the fix", async (t) => {
  const err = await t.throwsAsync(p.create(t.context.lab.inputs("rome", { user: NO_SUDO })));
  t.regex(err!.message, new RegExp(`user ${NO_SUDO} needs passwordless sudo \\(NOPASSWD\\)`));
  t.regex(err!.message, /sudoers\.d/);
});

test("a sudo that wants a password at the host lock is told as such, not as a lock timeout", async (t) => {
  const target = { ...t.context.lab.target("rome"), user: NO_SUDO };
  const err = await t.throwsAsync(withHostLock(target, 2, "create of guest g by test/dev", async () => undefined));
  t.regex(err!.message, new RegExp(`user ${NO_SUDO} needs passwordless sudo \\(NOPASSWD\\) to run flock`));
  t.notRegex(err!.message, /within 2s: held by/);
});

test.serial("a jump host forwards the connection; both host keys are pinned", async (t) => {
  const { lab } = t.context;
  const logins = () => lab.sshdLog("rome").filter((l) => l.includes("Accepted publickey")).length;
  const before = logins();
  const jump = lab.host("rome");
  const inputs = lab.inputs("genoa", {
    jumpHost: { address: jump.address, port: jump.port, user: jump.user, hostKeyFingerprint: jump.hostKeyFingerprint },
  });
  const out = (await p.create(inputs)).outs as SevHostOutputs;
  t.is(out.facts.kernelRelease, "6.8.0-45-generic", "genoa's facts, through rome");
  t.is(logins(), before + 1, "one login on the jump host carried the session");
  const wrongJump = lab.inputs("genoa", {
    jumpHost: { address: jump.address, port: jump.port, user: jump.user, hostKeyFingerprint: "SHA256:" + "B".repeat(43) },
  });
  const err = await t.throwsAsync(p.create(wrongJump));
  t.true(err!.message.includes(jump.hostKeyFingerprint), "the jump host's key is checked too");
});

test.serial("ssh-agent: useAgent logs in with the agent's key, no key in the inputs", async (t) => {
  const { lab } = t.context;
  const dir = mkdtempSync(join(tmpdir(), "sev-agent-"));
  const sock = join(dir, "agent.sock");
  const agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
  try {
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    const key = join(dir, "key");
    execFileSync("cp", [lab.host("rome").privateKeyPath, key]);
    execFileSync("ssh-keygen", ["-p", "-q", "-P", lab.host("rome").passphrase, "-N", "", "-f", key]);
    execFileSync("ssh-add", ["-q", key], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
    process.env.SSH_AUTH_SOCK = sock;
    const inputs = lab.inputs("rome", { privateKey: undefined, privateKeyPassphrase: undefined, useAgent: true });
    const checked = await p.check!({}, inputs as unknown as Record<string, unknown>);
    t.deepEqual(checked.failures, []);
    const out = (await p.create(inputs)).outs as SevHostOutputs;
    t.true(out.ready);
    t.is(out.privateKey, undefined);
  } finally {
    delete process.env.SSH_AUTH_SOCK;
    agent.kill();
  }
});

test("a host that never answers the SSH handshake fails after connectTimeoutSeconds, naming the host", async (t) => {
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
  const port = (silent.address() as { port: number }).port;
  try {
    const started = Date.now();
    const err = await t.throwsAsync(p.create(t.context.lab.inputs("rome", { port, connectTimeoutSeconds: 1 })));
    t.regex(err!.message, new RegExp(`root@127\\.0\\.0\\.1:${port}: cannot connect: .*[Tt]imed out`));
    t.true(Date.now() - started < 10_000);
  } finally {
    silent.close();
  }
});
