/** sev-capacity without hosts: --help, bad flags and bad inventories (exit 2, every problem listed), the bounded pool. */
import test from "ava";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runCli } from "../helpers/cli";

const cli = runCli;

const dir = mkdtempSync(join(tmpdir(), "sev-capacity-usage-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test("--help prints usage, the exit codes and the inventory format on stdout, exit 0", async (t) => {
  const r = await cli(["--help"]);
  t.is(r.code, 0);
  t.regex(r.stdout, /^sev-capacity: /);
  t.regex(r.stdout, /--inventory FILE/);
  t.regex(r.stdout, /--stack-config/);
  t.regex(r.stdout, /passphraseEnv/);
  t.regex(r.stdout, /2 {2}usage error/);
  t.is(r.stderr, "");
});

test("bad flags: exit 2 with one message naming every problem, nothing on stdout", async (t) => {
  const r = await cli(["--bogus", "--concurrency", "0", "--json", "--markdown", "--stack", "nostack", "extra"]);
  t.is(r.code, 2);
  t.is(r.stdout, "");
  t.regex(r.stderr, /6 problems/);
  for (const needle of [
    "unknown option --bogus",
    '--concurrency "0"',
    "--json or --markdown",
    '--stack "nostack"',
    'unexpected argument "extra"',
    "--inventory FILE or --stack-config FILE",
  ]) {
    t.true(r.stderr.includes(needle), needle);
  }
});

test("no inventory given is a usage error", async (t) => {
  const r = await cli(["--json"]);
  t.is(r.code, 2);
  t.regex(r.stderr, /give --inventory FILE or --stack-config FILE/);
});

test("a bad inventory: exit 2, one message listing every problem of every host", async (t) => {
  const inventory = file(
    "bad.json",
    JSON.stringify({
      hosts: [
        { name: "a", address: "bad host!", port: 70000, privateKeyPath: join(dir, "no-such-key"), hostKeyFingerprint: "MD5:xx", colour: "red" },
        { name: "a", address: "b.example", passphrase: "inline-secret-123", passphraseEnv: "SEV_CAPACITY_TEST_UNSET" },
        { name: "c", address: "c.example", useAgent: true, maxGuests: { sev: -1, sevEs: 2.5 } },
      ],
      extra: true,
    }),
  );
  const r = await cli(["--inventory", inventory], { SEV_CAPACITY_TEST_UNSET: undefined, SSH_AUTH_SOCK: "" });
  t.is(r.code, 2);
  t.is(r.stdout, "");
  const expected = [
    'unknown property "extra"',
    "hosts[0] (a): address must match pattern",
    "hosts[0] (a): port must be <= 65535",
    "hosts[0] (a): hostKeyFingerprint must match pattern",
    'hosts[0] (a): unknown property "colour"',
    "hosts[0] (a): privateKeyPath: cannot read",
    'hosts[1] (a): name "a" is already used by hosts[0]',
    "hosts[1] (a): privateKeyPath, useAgent: true or sshConfig is required",
    "hosts[1] (a): give passphrase or passphraseEnv, not both",
    "hosts[1] (a): passphrase is given without privateKeyPath",
    "hosts[1] (a): passphraseEnv: the environment variable SEV_CAPACITY_TEST_UNSET is not set",
    "hosts[2] (c): maxGuests.sev must be >= 0",
    "hosts[2] (c): maxGuests.sevEs must be integer",
    "hosts[2] (c): useAgent: SSH_AUTH_SOCK is not set",
  ];
  for (const needle of expected) t.true(r.stderr.includes(needle), `${needle}\n---\n${r.stderr}`);
  t.true(r.stderr.includes(`${expected.length} problems`), r.stderr);
  t.false(r.stderr.includes("inline-secret-123"));
});

test("an inventory that is not valid YAML, or missing, is a usage error", async (t) => {
  const broken = await cli(["--inventory", file("broken.yaml", "hosts:\n  - name: a\n   address: [\n")]);
  t.is(broken.code, 2);
  t.regex(broken.stderr, /not valid YAML/);
  const missing = await cli(["--inventory", join(dir, "absent.yaml")]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /cannot read .*absent\.yaml: ENOENT/);
  const empty = await cli(["--inventory", file("empty.yaml", "")]);
  t.is(empty.code, 2);
  t.regex(empty.stderr, /must be a map with a hosts list/);
});

test("a stack config whose sev:inventory is a secret is a usage error", async (t) => {
  const r = await cli(["--stack-config", file("Pulumi.sec.yaml", "config:\n  sev:inventory:\n    secure: v1:abc\n")]);
  t.is(r.code, 2);
  t.regex(r.stderr, /sev:inventory must be a plain string/);
});
