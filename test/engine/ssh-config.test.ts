/**
 * SevHost's sshConfig through the real engine: two lab hosts named by aliases of an OpenSSH client
 * config, one reached through the other (ProxyJump), keys found through IdentityFile, host keys
 * through UserKnownHostsFile. The key read from the file is a secret everywhere.
 */
import anyTest, { TestFn } from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack } from "../helpers/engine";
import { SECRET_MARK, SECRET_SIG, SecretScan } from "../helpers/secret-scan";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "genoa"]);
});
test.after.always((t) => t.context.lab?.stop());

/** An ssh config and known_hosts for the lab's rome (behind genoa) and genoa, as an operator keeps them. */
function writeSshConfig(lab: TestLab): string {
  const dir = mkdtempSync(join(tmpdir(), "sev-ssh-config-"));
  const knownHosts = join(dir, "known_hosts");
  const line = (name: string) => {
    const h = lab.host(name);
    const [type, blob] = readFileSync(join(h.folder, "ssh", "host_key.pub"), "utf8")
      .trim()
      .split(/\s+/);
    return `[${h.address}]:${h.port} ${type} ${blob}`;
  };
  writeFileSync(knownHosts, `${line("rome")}\n${line("genoa")}\n`);
  const [rome, genoa] = [lab.host("rome"), lab.host("genoa")];
  const file = join(dir, "config");
  writeFileSync(
    file,
    [
      "Host epyc-bastion",
      `  HostName ${genoa.address}`,
      `  Port ${genoa.port}`,
      `  User ${genoa.user}`,
      `  IdentityFile ${genoa.privateKeyPath}`,
      "  StrictHostKeyChecking yes",
      "",
      "Host epyc-rome",
      `  HostName ${rome.address}`,
      `  Port ${rome.port}`,
      "  ProxyJump epyc-bastion",
      "  StrictHostKeyChecking accept-new",
      "",
      "Host epyc-*",
      `  User ${rome.user}`,
      `  IdentityFile ${join(dir, "missing_key")}`,
      `  IdentityFile ${rome.privateKeyPath}`,
      `  UserKnownHostsFile ${knownHosts}`,
      "",
    ].join("\n"),
  );
  return file;
}

test("hosts named through an ssh config, one behind a jump host: up, no-change preview, refresh, destroy; the key read through IdentityFile is a secret", async (t) => {
  const { lab } = t.context;
  const file = writeSshConfig(lab);
  const [rome, genoa] = [lab.host("rome"), lab.host("genoa")];
  const keyLines = readFileSync(rome.privateKeyPath, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"));
  lab.images("rome", ["via-config"]);
  const s = new EngineStack("dist/test/programs/ssh-config/index.js");
  try {
    await s.init({ "sev:sshConfig": file, "sev:direct": "epyc-bastion", "sev:behind": "epyc-rome" }, { "sev:passphrase": rome.passphrase });
    const scan = new SecretScan(t, s);
    const run = scan.run.bind(scan);
    await run("preview", s.preview());
    const jumpLogins = () => lab.sshdLog("genoa").filter((l) => l.includes("Accepted publickey")).length;
    const before = jumpLogins();
    await run("up", s.up());
    t.deepEqual(await lab.domains("rome"), ["via-config"]);
    t.true(jumpLogins() > before, "rome was reached through genoa, as ProxyJump says");
    await run("no-change preview", s.expectNoChanges());
    await run("refresh", s.refresh());

    const out = (await s.outputs()) as { resolved: Record<string, Record<string, unknown>>; ready: Record<string, boolean> };
    t.deepEqual(out.ready, { direct: true, behind: true });
    t.like(out.resolved.behind, {
      file,
      alias: "epyc-rome",
      hostName: rome.address,
      port: rome.port,
      user: rome.user,
      identityFile: rome.privateKeyPath,
      proxyJump: `${genoa.user}@${genoa.address}:${genoa.port}`,
      strictHostKeyChecking: "accept-new",
    });
    t.deepEqual(out.resolved.behind.applied, ["address", "port", "user", "privateKey", "knownHosts", "jumpHost"]);
    t.true(
      (out.resolved.behind.ignored as string[]).some((w) => w.startsWith("StrictHostKeyChecking accept-new: looser")),
      "accept-new is never applied",
    );
    t.like(out.resolved.direct, { alias: "epyc-bastion", identityFile: genoa.privateKeyPath, strictHostKeyChecking: "yes" });
    t.true((out.resolved.direct.applied as string[]).includes("trustUnknownHostKey"));
    t.false(JSON.stringify(out.resolved).includes(keyLines[1]), "the report names the key file, never the key");

    const doc = JSON.parse(await s.exportState());
    const hosts = doc.deployment.resources.filter((r: { type: string }) => r.type.endsWith("sev:SevHost"));
    for (const h of hosts) {
      t.is(h.inputs.privateKey?.[SECRET_SIG], SECRET_MARK, `${h.urn}: privateKey from IdentityFile is a secret input`);
      t.is(h.outputs.privateKey?.[SECRET_SIG], SECRET_MARK, `${h.urn}: and a secret output`);
      t.is(h.inputs.address, h.urn.endsWith("::behind") ? rome.address : genoa.address, "the address is HostName's, readable");
    }
    const exported = await s.exportState();
    await run("destroy", s.destroy());
    t.deepEqual(await lab.domains("rome"), []);
    scan.assertNowhere([...keyLines, rome.passphrase], exported);
  } finally {
    await s.dispose();
  }
});
