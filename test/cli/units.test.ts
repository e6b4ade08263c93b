/**
 * sev-capacity's pure parts, without a process or a host: the command line (every problem at once),
 * the three renderings of one report, and the inventory file (read from a temporary folder).
 */
import test from "ava";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { DEFAULT_CONCURRENCY, parseArgs, parseStack, UsageError } from "../../provider/cli/args";
import { render } from "../../provider/cli/render";
import { HostReport, PoolReport, Report } from "../../provider/cli/report";
import { inventoryOfStackConfig, loadInventory } from "../../provider/cli/inventory";

test("parseArgs: the defaults, and --flag=value and short forms", (t) => {
  t.deepEqual(parseArgs(["-i", "hosts.yaml"]), {
    help: false,
    inventory: "hosts.yaml",
    stackConfig: null,
    stack: null,
    format: "table",
    concurrency: DEFAULT_CONCURRENCY,
    quiet: false,
  });
  const o = parseArgs(["--inventory=hosts.yaml", "--stack", "acme/shop/prod", "--markdown", "-q", "--concurrency=3"]);
  t.deepEqual([o.stack, o.format, o.quiet, o.concurrency], [{ project: "shop", stack: "prod" }, "markdown", true, 3]);
});

test("parseArgs: every problem of a command line in one UsageError", (t) => {
  const err = t.throws(() => parseArgs(["--json", "--markdown", "--stack", "no-slash", "--concurrency", "0", "--bogus", "extra"]), { instanceOf: UsageError });
  t.deepEqual(err?.problems, [
    "unknown option --bogus",
    'unexpected argument "extra"',
    "give --inventory FILE or --stack-config FILE",
    "give --json or --markdown, not both",
    '--stack "no-slash" is not PROJECT/STACK',
    '--concurrency "0" is not a whole number from 1 to 256',
  ]);
  t.regex(err?.message ?? "", /6 problems/);
});

test("parseArgs: --help needs nothing else; a flag given twice or without a value is refused", (t) => {
  t.true(parseArgs(["--help"]).help);
  const err = t.throws(() => parseArgs(["-i", "a", "--inventory", "b", "--stack"]), { instanceOf: UsageError });
  t.deepEqual(err?.problems, ["--inventory is given more than once", "--stack needs a value"]);
});

test("parseStack: PROJECT/STACK or ORG/PROJECT/STACK, names of safe characters only", (t) => {
  t.deepEqual(parseStack("shop/prod"), { project: "shop", stack: "prod" });
  t.deepEqual(parseStack("org/shop/prod"), { project: "shop", stack: "prod" });
  for (const bad of ["shop", "a/b/c/d", "shop/pr od", "shop/"]) t.is(parseStack(bad), null, bad);
});

function pool(over: Partial<PoolReport> = {}): PoolReport {
  return { total: 15, source: "domcapabilities", used: 3, usedByThisStack: 2, usedByOthers: 1, free: 12, overcommittedBy: 0, miscCurrent: null, ...over };
}

function host(over: Partial<HostReport> = {}): HostReport {
  return {
    name: "epyc-01",
    address: "10.0.0.1",
    port: 22,
    status: "ready",
    ok: true,
    error: null,
    failedChecks: [],
    warnings: [],
    findings: [],
    pools: { sev: pool(), sevEs: pool({ total: 494, used: 0, usedByThisStack: 0, usedByOthers: 0, free: 494 }) },
    ...over,
  };
}

const REPORT: Report = {
  version: 1,
  stack: "shop/prod",
  ok: false,
  summary: { hosts: 3, ready: 2, notReady: 0, errors: 1, overcommittedPools: 1 },
  hosts: [
    host(),
    host({ name: "epyc-02", ok: false, pools: { sev: pool({ used: 17, total: 15, free: 0, overcommittedBy: 2 }), sevEs: pool() } }),
    host({ name: "epyc-03", status: "error", ok: false, error: "connection refused", pools: null }),
  ],
};

test("render table: one row per pool, then what needs attention and the summary", (t) => {
  const out = render(REPORT, "table");
  const lines = out.split("\n");
  t.regex(lines[0], /^HOST\s+STATUS\s+POOL\s+TOTAL\s+USED\s+THIS STACK\s+OTHERS\s+FREE\s+SOURCE$/);
  t.regex(lines[1], /^epyc-01\s+ready\s+sev\s+15\s+3\s+2\s+1\s+12\s+domcapabilities$/);
  t.true(out.includes("epyc-02: the sev pool is over-committed: 17 SEV domains defined, 15 slots (domcapabilities)"));
  t.true(out.includes("epyc-03: could not be probed: connection refused"));
  t.true(out.includes(`2 of 3 hosts ready, 1 could not be probed, 1 pool over-committed; "this stack" is shop/prod.`));
});

test("render json: version 1, the report's values under stable keys", (t) => {
  const back = JSON.parse(render(REPORT, "json"));
  t.is(back.version, 1);
  t.deepEqual(
    back.hosts.map((h: HostReport) => [h.name, h.status, h.pools?.sev.overcommittedBy ?? null]),
    [
      ["epyc-01", "ready", 0],
      ["epyc-02", "ready", 2],
      ["epyc-03", "error", null],
    ],
  );
});

test("render markdown: a ✅/❌ row per host", (t) => {
  const rows = render(REPORT, "markdown")
    .split("\n")
    .filter((l) => /^\| [✅❌]/u.test(l));
  t.deepEqual(
    rows.map((r) => r.slice(0, 13)),
    ["| ✅ | epyc-01", "| ❌ | epyc-02", "| ❌ | epyc-03"],
  );
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "sev-inventory-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test("loadInventory: YAML hosts with a key beside the file and a passphrase from the environment, kept as a secret", (t) => {
  const dir = folder({
    "hosts.yaml": "hosts:\n  - name: epyc-01\n    address: 10.0.0.1\n    privateKeyPath: ci_key\n    passphraseEnv: KEY_PASS\n    maxGuests: { sev: 4 }\n",
    ci_key: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n",
  });
  const inv = loadInventory(join(dir, "hosts.yaml"), { KEY_PASS: "s3cret" });
  t.deepEqual(
    inv.hosts.map((h) => [h.name, h.inputs.address, h.inputs.maxGuests, h.inputs.privateKey?.includes("not a real key")]),
    [["epyc-01", "10.0.0.1", { sev: 4 }, true]],
  );
  t.deepEqual(inv.secrets, ["s3cret"]);
});

test("loadInventory: every problem of the file, host by host, in one UsageError", (t) => {
  const dir = folder({
    "hosts.json": JSON.stringify({
      hosts: [
        { name: "a", address: "x", port: 70000, useAgent: true },
        { name: "a", address: "y" },
      ],
    }),
  });
  const err = t.throws(() => loadInventory(join(dir, "hosts.json"), {}), { instanceOf: UsageError });
  t.true(err!.problems.length >= 3, err!.message);
  t.true(err!.problems.some((p) => p.startsWith("hosts[0] (a): port")));
  t.true(err!.problems.some((p) => p === 'hosts[1] (a): name "a" is already used by hosts[0]'));
  t.true(err!.problems.some((p) => p.startsWith("hosts[1] (a): privateKeyPath, useAgent: true or sshConfig is required")));
});

test("inventoryOfStackConfig: sev:inventory relative to the config's folder, the lab's by default", (t) => {
  const dir = folder({ "Pulumi.dev.yaml": "config:\n  sev:inventory: fleet/hosts.yaml\n", "Pulumi.ci.yaml": "config:\n  aws:region: x\n" });
  t.is(inventoryOfStackConfig(join(dir, "Pulumi.dev.yaml")), join(dir, "fleet/hosts.yaml"));
  t.is(inventoryOfStackConfig(join(dir, "Pulumi.ci.yaml")), join(dir, ".lab/inventory.json"));
});
