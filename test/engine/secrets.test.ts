/**
 * Secrets at any depth of the inputs, through the real engine: a hypervisor reached through a jump
 * host with its own key and passphrase, the hypervisor itself logging in with ssh-agent (so no
 * top-level key makes the connection secret by accident). Every secret value is searched for in
 * the state, the backend's backups and history, `stack export`, and the CLI output of preview,
 * up, refresh and destroy, all with --diff.
 */
import anyTest, { TestFn } from "ava";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { existsSync, mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { withStack } from "../helpers/engine";
import { SECRET_MARK, SECRET_SIG, SecretScan } from "../helpers/secret-scan";

const test = anyTest as TestFn<{ lab: TestLab; agent: ChildProcess }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
  const { lab } = t.context;
  const dir = mkdtempSync(join(tmpdir(), "sev-agent-"));
  const sock = join(dir, "agent.sock");
  t.context.agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
  for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  const key = join(dir, "key");
  execFileSync("cp", [lab.host("rome").privateKeyPath, key]);
  execFileSync("ssh-keygen", ["-p", "-q", "-P", lab.host("rome").passphrase, "-N", "", "-f", key]);
  execFileSync("ssh-add", ["-q", key], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
  process.env.SSH_AUTH_SOCK = sock; // inherited by the engine and the provider
});
test.after.always((t) => {
  t.context.agent?.kill();
  t.context.lab?.stop();
});

test("the jump host's key and passphrase are secrets everywhere: state, backups, history, export, CLI output", async (t) => {
  const { lab } = t.context;
  const jump = lab.host("genoa");
  const keyLines = readFileSync(jump.privateKeyPath, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"));
  const secrets = [...keyLines, jump.passphrase];
  const config = { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome", "sev:jump": "genoa", "sev:agent": "true" };
  lab.images("rome", ["behind-jump"]);
  await withStack("dist/test/programs/jump/index.js", config, async (s) => {
    const scan = new SecretScan(t, s);
    const run = scan.run.bind(scan);
    await run("preview", s.preview());
    const jumpLogins = () => lab.sshdLog("genoa").filter((l) => l.includes("Accepted publickey")).length;
    const before = jumpLogins();
    await run("up", s.up());
    t.deepEqual(await lab.domains("rome"), ["behind-jump"]);
    t.true(jumpLogins() > before, "rome was reached through genoa");
    await s.setConfig("sev:memory", "3G");
    await run("preview of a change", s.preview());
    await run("update", s.up());
    await run("refresh", s.refresh());
    const exported = await s.exportState();

    const doc = JSON.parse(exported);
    const hv = doc.deployment.resources.find((r: { type: string }) => r.type.endsWith("sev:SevHost"));
    for (const k of ["privateKey", "privateKeyPassphrase"]) {
      t.is(hv.inputs.jumpHost[k]?.[SECRET_SIG], SECRET_MARK, `input jumpHost.${k} is a secret`);
      t.is(hv.outputs.jumpHost[k]?.[SECRET_SIG], SECRET_MARK, `output jumpHost.${k} is a secret`);
    }
    t.is(hv.inputs.jumpHost.address, jump.address, "the rest of the jump host stays readable");

    await run("destroy", s.destroy());
    scan.assertNowhere(secrets, exported);
  });
});
