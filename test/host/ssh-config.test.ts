/** The OpenSSH client config as SevHost's sshConfig reads it: the directives, tokens, ProxyJump, and what wins. */
import test from "ava";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { expandTokens, parseProxyJump, refusesUnknownKeys, sshConfigFor } from "../../provider/core/ssh-config";
import { fromSshConfig, SshConfigQuery } from "../../provider/host/ssh-config";
import { loadInventory } from "../../provider/cli/inventory";

const ctx = { home: "/home/op", localUser: "op" };
const CONFIG = [
  "Host epyc-01",
  "  HostName 10.0.0.1",
  "  Port 2222",
  "Host epyc-*",
  "  User ops",
  "  Port 22",
  "  IdentityFile ~/.ssh/%h_%r",
  "  IdentityFile ~/.ssh/id_ed25519",
  "  ProxyJump jump@bastion:2200",
  "  UserKnownHostsFile ~/.ssh/known_fleet /etc/ssh/fleet_hosts",
  "  StrictHostKeyChecking Yes",
  'Match exec "touch /tmp/never"',
  "  User wrong",
  "Host *",
  "  User root",
].join("\n");

test("the first value of each directive wins, across Host blocks, as ssh reads it; Match exec is not run", (t) => {
  const h = sshConfigFor(CONFIG, "epyc-01", ctx);
  t.deepEqual(h, {
    alias: "epyc-01",
    hostName: "10.0.0.1",
    user: "ops",
    port: 2222,
    identityFiles: ["/home/op/.ssh/10.0.0.1_ops", "/home/op/.ssh/id_ed25519"],
    proxyJump: { address: "bastion", user: "jump", port: 2200 },
    userKnownHostsFiles: ["/home/op/.ssh/known_fleet", "/etc/ssh/fleet_hosts"],
    strictHostKeyChecking: "yes",
  });
});

test("an alias no block names is its own host name, with the catch-all's values", (t) => {
  t.deepEqual(sshConfigFor(CONFIG, "other", ctx), { alias: "other", hostName: "other", user: "root", identityFiles: [], userKnownHostsFiles: [] });
});

test("tokens: %h %p %r %u %d %% and ~; any other is refused by name", (t) => {
  t.is(expandTokens("~/k/%h-%p-%r-%u-%d-%%", { host: "h", port: 22, user: "r", ...ctx }), "/home/op/k/h-22-r-op-/home/op-%");
  t.throws(() => expandTokens("%C", { host: "h", port: 22, user: "r", ...ctx }), { message: /token %C .* not supported/ });
});

test("ProxyJump: one hop with its user and port; none is no jump; several hops and nonsense are refused", (t) => {
  t.deepEqual(parseProxyJump("bastion"), { address: "bastion" });
  t.deepEqual(parseProxyJump("ssh://me@[fd00::1]:2022"), { address: "fd00::1", user: "me", port: 2022 });
  t.is(parseProxyJump("none"), undefined);
  t.throws(() => parseProxyJump("a,b"), { message: /several hops/ });
  t.throws(() => parseProxyJump("a:99999"), { message: /not a TCP port/ });
  t.throws(() => sshConfigFor("Host x\n  Port http\n", "x", ctx), { message: /port "http"/ });
});

test("StrictHostKeyChecking: only yes refuses unknown keys; accept-new, no, off never loosen ours", (t) => {
  t.true(refusesUnknownKeys("yes"));
  for (const v of ["accept-new", "no", "off", "ask", undefined]) t.false(refusesUnknownKeys(v), String(v));
});

/** A config file with a key and a known_hosts entry for 127.0.0.1:2201 and a jump host. */
function files(extra = ""): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "sev-ssh-config-unit-"));
  writeFileSync(join(dir, "key"), "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-material\n-----END OPENSSH PRIVATE KEY-----\n");
  writeFileSync(join(dir, "known_hosts"), "[127.0.0.1]:2201 ssh-ed25519 AAAAhv\n[127.0.0.1]:2202 ssh-ed25519 AAAAjump\n");
  const file = join(dir, "config");
  writeFileSync(
    file,
    [
      "Host hv",
      "  HostName 127.0.0.1",
      "  Port 2201",
      "  User ops",
      `  IdentityFile ${dir}/key`,
      "  ProxyJump bastion",
      `  UserKnownHostsFile ${dir}/known_hosts`,
      "  StrictHostKeyChecking no",
      "Host bastion",
      "  HostName 127.0.0.1",
      "  Port 2202",
      `  IdentityFile ${dir}/key`,
      `  UserKnownHostsFile ${dir}/known_hosts`,
      extra,
    ].join("\n"),
  );
  return { dir, file };
}
const none = { privateKey: false, hostKey: false, trustUnknownHostKey: false, jumpHost: false };
const query = (file: string, q: Partial<SshConfigQuery> = {}): SshConfigQuery => ({ address: "hv", sshConfig: file, given: none, ...q });

test("fromSshConfig: every input the file gives, the jump host resolved through the same file, the report without the key", (t) => {
  const { dir, file } = files();
  const r = fromSshConfig(query(file, { privateKeyPassphrase: "pp" }));
  t.like(r, { address: "127.0.0.1", port: 2201, user: "ops", knownHosts: "[127.0.0.1]:2201 ssh-ed25519 AAAAhv" });
  t.true(r.privateKey?.includes("secret-material"));
  t.deepEqual(r.jumpHost, {
    address: "127.0.0.1",
    port: 2202,
    privateKey: r.privateKey,
    privateKeyPassphrase: "pp",
    knownHosts: "[127.0.0.1]:2202 ssh-ed25519 AAAAjump",
  });
  t.is(r.trustUnknownHostKey, undefined, "StrictHostKeyChecking no is not applied");
  t.deepEqual(r.sshConfigResolved.applied, ["address", "port", "user", "privateKey", "knownHosts", "jumpHost"]);
  t.is(r.sshConfigResolved.identityFile, join(dir, "key"));
  t.is(r.sshConfigResolved.proxyJump, "127.0.0.1:2202");
  t.false(JSON.stringify(r.sshConfigResolved).includes("secret-material"));
});

test("fromSshConfig: explicit inputs win and are listed as ignored directives", (t) => {
  const { file } = files();
  const r = fromSshConfig(query(file, { port: 2201, user: "root", given: { privateKey: true, hostKey: true, trustUnknownHostKey: false, jumpHost: true } }));
  t.deepEqual([r.port, r.user, r.privateKey, r.knownHosts, r.jumpHost], [undefined, undefined, undefined, undefined, undefined]);
  t.deepEqual(r.sshConfigResolved.applied, ["address"]);
  t.deepEqual(
    r.sshConfigResolved.ignored?.map((w) => w.split(":")[0]),
    ["Port 2201", "User ops", "IdentityFile", "UserKnownHostsFile", "StrictHostKeyChecking no", "ProxyJump"],
  );
});

test("fromSshConfig: a missing file, no readable IdentityFile, no known key, a second hop: refused with the fix", (t) => {
  const { dir, file } = files();
  t.throws(() => fromSshConfig(query(join(dir, "nope"))), { message: /sshConfig: cannot read .*nope: ENOENT/ });
  writeFileSync(join(dir, "known_hosts"), "");
  t.throws(() => fromSshConfig(query(file)), { message: /UserKnownHostsFile .* has no key for \[127\.0\.0\.1\]:2201.*ssh-keyscan -p 2201 127\.0\.0\.1/ });
  t.notThrows(
    () => fromSshConfig(query(file, { given: { ...none, trustUnknownHostKey: true, jumpHost: true } })),
    "trustUnknownHostKey given: an unknown key may be accepted",
  );
  const hop = files("  ProxyJump third");
  t.throws(() => fromSshConfig(query(hop.file)), { message: /jump host bastion has a ProxyJump of its own/ });
  writeFileSync(hop.file, "Host hv\n  IdentityFile /nonexistent/a\n");
  t.throws(() => fromSshConfig(query(hop.file)), { message: /no IdentityFile can be read \(\/nonexistent\/a\)/ });
});

test("sev-capacity: an inventory host with sshConfig needs no privateKeyPath and gets the file's inputs, a jump host too", (t) => {
  const { dir, file } = files();
  const inventory = join(dir, "inventory.yaml");
  writeFileSync(inventory, `hosts:\n  - name: hv\n    address: hv\n    sshConfig: ${file}\n    passphrase: pp\n`);
  const [h] = loadInventory(inventory, {}).hosts;
  t.like(h.inputs, { address: "127.0.0.1", port: 2201, user: "ops", privateKeyPassphrase: "pp", jumpHost: { address: "127.0.0.1", port: 2202 } });
  t.true(h.inputs.privateKey?.includes("secret-material"));
  writeFileSync(inventory, `hosts:\n  - name: hv\n    address: hv\n    sshConfig: ${join(dir, "nope")}\n`);
  t.throws(() => loadInventory(inventory, {}), { message: /hosts\[0\] \(hv\): sshConfig: cannot read/ });
});
