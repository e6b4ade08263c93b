/** sev-capacity against lab hosts over real SSH, run as a child process: table, JSON, Markdown, exit codes. */
import anyTest, { TestFn } from "ava";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { freePort, LabHost } from "../../lab/lab";
import { startLab, TestLab } from "../helpers/lab";
import { CliRun, runCli } from "../helpers/cli";
import type { HostReport, Report } from "../../provider/cli/report";

const test = anyTest as TestFn<{ lab: TestLab; dir: string }>;
const PROFILES = ["rome", "naples", "intel", "rome-es-pool-empty"];
/** Hosts on their distribution's defaults (no SEV parameters on the kernel command line; one with mem_encrypt=off). */
const DISTRIBUTIONS = ["ubuntu-24.04", "rocky-9.4-mem-encrypt-off"];

test.before(async (t) => {
  t.context.lab = await startLab(__filename, [...PROFILES, ...DISTRIBUTIONS]);
  t.context.dir = mkdtempSync(join(tmpdir(), "sev-capacity-report-"));
});
test.after.always((t) => t.context.lab?.stop());

const cli = runCli;

/** An operator's inventory entry for a lab host: the passphrase comes from an environment variable. */
function entry(h: LabHost, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: h.name,
    address: h.address,
    port: h.port,
    user: h.user,
    privateKeyPath: h.privateKeyPath,
    passphraseEnv: "SEV_LAB_KEY_PASSPHRASE",
    hostKeyFingerprint: h.hostKeyFingerprint,
    ...extra,
  };
}

function writeInventory(t: { context: { dir: string } }, name: string, hosts: Record<string, unknown>[]): string {
  const file = join(t.context.dir, name);
  writeFileSync(file, name.endsWith(".json") ? JSON.stringify({ hosts }) : stringify({ hosts }));
  return file;
}

const passphraseEnv = (lab: TestLab) => ({ SEV_LAB_KEY_PASSPHRASE: lab.host("rome").passphrase });
const labInventory = (lab: TestLab) => join(lab.dir, "inventory.json");

/** --json prints a Report; the test reads it back as one (key by key, the assertions below). */
type JsonReport = Report;
type JsonHost = HostReport;

function parse(r: CliRun): JsonReport {
  return JSON.parse(r.stdout) as JsonReport;
}

function byName(report: JsonReport, name: string): JsonHost {
  const h = report.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no ${name} in the report`);
  return h;
}

test("--json on the lab's own inventory.json: exact values per host and pool, stable keys, exit 1 (intel)", async (t) => {
  const r = await cli(["--inventory", labInventory(t.context.lab), "--json"]);
  t.is(r.code, 1, r.stderr);
  const report = parse(r);
  t.deepEqual(Object.keys(report), ["version", "stack", "ok", "summary", "hosts"]);
  t.is(report.version, 1);
  t.is(report.stack, null);
  t.false(report.ok);
  t.deepEqual(report.summary, { hosts: 6, ready: 5, notReady: 1, errors: 0, overcommittedPools: 0 });
  t.deepEqual(
    report.hosts.map((h) => h.name),
    [...PROFILES, ...DISTRIBUTIONS],
    "inventory order",
  );

  const rome = byName(report, "rome");
  t.deepEqual(Object.keys(rome), ["name", "address", "port", "status", "ok", "error", "failedChecks", "warnings", "findings", "pools"]);
  t.is(rome.status, "ready");
  t.true(rome.ok);
  t.deepEqual(rome.pools!.sev, {
    total: 59,
    source: "domcapabilities",
    used: 0,
    usedByThisStack: 0,
    usedByOthers: 0,
    free: 59,
    overcommittedBy: 0,
    miscCurrent: 0,
  });
  t.like(rome.pools!.sevEs, { total: 450, source: "domcapabilities", used: 0, free: 450 });

  const naples = byName(report, "naples");
  t.is(naples.status, "ready");
  t.like(naples.pools!.sev, { total: null, source: "unknown", used: 0, free: null, overcommittedBy: 0 });

  const intel = byName(report, "intel");
  t.is(intel.status, "not-ready");
  t.false(intel.ok);
  t.true(intel.failedChecks.includes("cpu-sev"), intel.failedChecks.join(","));
  t.truthy(intel.findings.find((f) => f.id === "cpu-sev")?.remedy);

  const empty = byName(report, "rome-es-pool-empty");
  t.is(empty.status, "ready");
  t.deepEqual(empty.warnings, ["sev-es-pool"]);
  t.like(empty.pools!.sevEs, { total: 0, source: "domcapabilities", free: 0 });
  t.notRegex(r.stdout, /probing/, "progress never on stdout");
  t.regex(r.stderr, /probing 6\/6 hosts…/, "6 hosts: progress on stderr even when it is not a terminal");
});

test("the default table from a YAML inventory (passphraseEnv): rows per pool, failed checks below, exit 1", async (t) => {
  const { lab } = t.context;
  const inventory = writeInventory(
    t,
    "all.yaml",
    PROFILES.map((p) => entry(lab.host(p))),
  );
  const r = await cli(["-i", inventory], passphraseEnv(lab));
  t.is(r.code, 1, r.stderr);
  const lines = r.stdout.split("\n");
  t.regex(lines[0], /^HOST\s+STATUS\s+POOL\s+TOTAL\s+USED\s+THIS STACK\s+OTHERS\s+FREE\s+SOURCE$/);
  t.truthy(
    lines.find((l) => /^rome\s+ready\s+sev\s+59\s+0\s+-\s+0\s+59\s+domcapabilities$/.test(l)),
    r.stdout,
  );
  t.truthy(
    lines.find((l) => /^\s+sev-es\s+450\s+0\s+-\s+0\s+450\s+domcapabilities$/.test(l)),
    r.stdout,
  );
  t.truthy(
    lines.find((l) => /^naples\s+ready\s+sev\s+\?\s+0\s+-\s+0\s+\?\s+unknown$/.test(l)),
    r.stdout,
  );
  t.truthy(
    lines.find((l) => /^intel\s+not ready\s+sev\s/.test(l)),
    r.stdout,
  );
  t.truthy(
    lines.find((l) => l.startsWith("intel: failed [cpu-sev]")),
    r.stdout,
  );
  t.truthy(
    lines.find((l) => l.startsWith("rome-es-pool-empty: warning [sev-es-pool]")),
    r.stdout,
  );
  t.regex(r.stdout, /^intel: failed \[cpu-sev\] .*; required [^\n]*\. Fix: .*SVM Mode on, SMEE/m, "each finding with its fix");
  t.regex(r.stdout, /^rome-es-pool-empty: warning \[sev-es-pool\] .*\. Fix: .*minimum SEV non-ES ASID/m);
  t.regex(r.stdout, /^\? = the host does not report the slot count/m);
  t.regex(r.stdout, /^3 of 4 hosts ready\.$/m);
});

test("--markdown: a ✅/❌ column, check ids, a legend", async (t) => {
  const r = await cli(["--inventory", labInventory(t.context.lab), "--markdown"]);
  t.is(r.code, 1, r.stderr);
  const lines = r.stdout.split("\n");
  t.true(lines.includes("| | Host | Status | SEV used / total | SEV-ES used / total | Source of totals |"), r.stdout);
  t.true(lines.includes("| ✅ | rome | ready | 0 / 59 (59 free) | 0 / 450 (450 free) | domcapabilities |"), r.stdout);
  t.true(lines.includes("| ✅ | naples | ready | 0 / ? (no limit) | 0 / ? (no limit) | unknown |"), r.stdout);
  const intel = lines.find((l) => l.startsWith("| ❌ | intel | not ready: "));
  t.truthy(intel, r.stdout);
  t.regex(intel!, /`cpu-sev`/);
  t.true(
    lines.some((l) => l.startsWith("| ✅ | rome-es-pool-empty | ready; warning: `sev-es-pool` |")),
    r.stdout,
  );
  const fixes = lines.slice(lines.indexOf("#### Findings and fixes") + 1);
  t.true(lines.includes("#### Findings and fixes"), r.stdout);
  t.truthy(
    fixes.find((l) => /^- \*\*intel\*\*: failed \[cpu-sev\] .*\. Fix: .*BIOS/.test(l)),
    r.stdout,
  );
  t.truthy(
    fixes.find((l) => /^- \*\*rome-es-pool-empty\*\*: warning \[sev-es-pool\] .*\. Fix: /.test(l)),
    r.stdout,
  );
  t.regex(r.stdout, /<sub>✅ ready and no pool over-committed · ❌ not ready/);
});

test("only ready hosts: exit 0; three hosts or fewer and no terminal: no progress on stderr", async (t) => {
  const { lab } = t.context;
  const inventory = writeInventory(
    t,
    "ready.json",
    ["rome", "naples", "rome-es-pool-empty"].map((p) => entry(lab.host(p))),
  );
  const r = await cli(["--inventory", inventory, "--json"], passphraseEnv(lab));
  t.is(r.code, 0, r.stdout + r.stderr);
  t.true(parse(r).ok);
  t.is(r.stderr, "");
  const quiet = await cli(["--inventory", labInventory(lab), "--quiet"]);
  t.is(quiet.code, 1);
  t.is(quiet.stderr, "", "--quiet: no progress even for 6 hosts");
});

test("an unreachable host and a refused host key are reported with their errors; the others still are", async (t) => {
  const { lab } = t.context;
  const closed = await freePort();
  const inventory = writeInventory(t, "partial.yaml", [
    entry(lab.host("rome")),
    entry(lab.host("rome"), { name: "gone", port: closed }),
    entry(lab.host("naples"), { hostKeyFingerprint: lab.host("intel").hostKeyFingerprint }),
  ]);
  const r = await cli(["--inventory", inventory, "--json", "--concurrency", "2"], passphraseEnv(lab));
  t.is(r.code, 1, r.stderr);
  const report = parse(r);
  t.deepEqual(report.summary, { hosts: 3, ready: 1, notReady: 2, errors: 2, overcommittedPools: 0 });
  t.like(byName(report, "rome"), { status: "ready", ok: true });
  t.is(byName(report, "rome").pools!.sev.total, 59);
  const gone = byName(report, "gone");
  t.like(gone, { status: "error", ok: false, pools: null });
  t.regex(gone.error!, new RegExp(`127\\.0\\.0\\.1:${closed}: cannot connect: .*ECONNREFUSED`));
  const naples = byName(report, "naples");
  t.is(naples.status, "error");
  t.regex(naples.error!, /does not match the pinned/);

  const table = await cli(["--inventory", inventory], passphraseEnv(lab));
  t.is(table.code, 1);
  t.regex(table.stdout, /^gone\s+error\s+-/m);
  t.regex(table.stdout, /^gone: could not be probed: .*ECONNREFUSED/m);
  t.regex(table.stdout, /^rome\s+ready\s+sev\s+59/m);
});

test("--stack-config reads sev:inventory relative to the stack file's folder", async (t) => {
  const { lab } = t.context;
  writeInventory(t, "stack-hosts.yaml", [entry(lab.host("rome"))]);
  const config = join(t.context.dir, "Pulumi.ci.yaml");
  writeFileSync(config, "config:\n  sev:inventory: stack-hosts.yaml\n");
  const r = await cli(["--stack-config", config, "--json"], passphraseEnv(lab));
  t.is(r.code, 0, r.stderr);
  t.deepEqual(
    parse(r).hosts.map((h) => h.name),
    ["rome"],
  );
});

test("hosts on distribution defaults are ready, with the SME warning and its fix in every format: exit 0", async (t) => {
  const { lab } = t.context;
  const inventory = writeInventory(
    t,
    "defaults.yaml",
    DISTRIBUTIONS.map((p) => entry(lab.host(p))),
  );
  const json = await cli(["--inventory", inventory, "--json"], passphraseEnv(lab));
  t.is(json.code, 0, json.stdout + json.stderr);
  for (const name of DISTRIBUTIONS) {
    const h = byName(parse(json), name);
    t.deepEqual([h.status, h.failedChecks, h.warnings], ["ready", [], ["mem-encrypt"]], name);
    t.regex(h.findings[0].remedy ?? "", /host's own memory/);
  }
  t.regex(byName(parse(json), "rocky-9.4-mem-encrypt-off").findings[0].found, /^mem_encrypt=off, no sme flag/);
  const table = await cli(["--inventory", inventory], passphraseEnv(lab));
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^ubuntu-24\.04\s+ready\s+sev\s/m);
  t.regex(
    table.stdout,
    /^ubuntu-24\.04: warning \[mem-encrypt\] .*: found mem_encrypt not on the kernel command line, no sme flag \(SME inactive\); required mem_encrypt=on \(recommended\)\. Fix: SME \(mem_encrypt=on\) encrypts the host's own memory/m,
  );
  t.regex(table.stdout, /^2 of 2 hosts ready\.$/m);
  const md = await cli(["--inventory", inventory, "--markdown"], passphraseEnv(lab));
  t.is(md.code, 0, md.stderr);
  t.regex(md.stdout, /^\| ✅ \| ubuntu-24\.04 \| ready; warning: `mem-encrypt` \|/m);
  t.regex(md.stdout, /^- \*\*rocky-9\.4-mem-encrypt-off\*\*: warning \[mem-encrypt\] .*\. Fix: .*physical attack on the hypervisor's memory/m);
});

test("the passphrase from passphraseEnv never appears in any output, right or wrong", async (t) => {
  const { lab } = t.context;
  const secret = lab.host("rome").passphrase;
  const inventory = writeInventory(
    t,
    "secret.yaml",
    PROFILES.map((p) => entry(lab.host(p))),
  );
  const runs: CliRun[] = [];
  for (const format of [[], ["--json"], ["--markdown"]]) {
    const r = await cli(["--inventory", inventory, ...format], { SEV_LAB_KEY_PASSPHRASE: secret });
    t.is(r.code, 1, r.stderr);
    runs.push(r);
  }
  t.true(byNameOk(parse(runs[1]), "rome"), "the passphrase from the environment unlocked the key");

  const wrong = "wrong-passphrase-0123456789";
  const bad = await cli(["--inventory", inventory, "--json"], { SEV_LAB_KEY_PASSPHRASE: wrong });
  t.is(bad.code, 1);
  t.is(byName(parse(bad), "rome").status, "error");
  runs.push(bad);
  for (const r of runs) {
    t.false(r.stdout.includes(secret) || r.stderr.includes(secret), "the passphrase was printed");
    t.false(r.stdout.includes(wrong) || r.stderr.includes(wrong), "the wrong passphrase was printed");
  }
});

function byNameOk(report: JsonReport, name: string): boolean {
  return byName(report, name).ok;
}
