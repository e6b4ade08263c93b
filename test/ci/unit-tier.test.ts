/**
 * The unit tier is hermetic: it passes with PATH holding only node, HOME an empty folder and no
 * network (a network namespace of its own, where unshare(1) can make one), and its guard
 * (test/helpers/hermetic.ts) refuses a child process or a connection inside a test.
 */
import test from "ava";
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, relative } from "path";

const ROOT = join(__dirname, "..", "..", "..");
const AVA = join(ROOT, "node_modules", "ava", "entrypoints", "cli.mjs");

/** A folder holding only a link to this node, to be the whole PATH. */
function nodeOnlyPath(): string {
  const bin = join(mkdtempSync(join(tmpdir(), "node-only-")), "bin");
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, "node"));
  return bin;
}

/** unshare(1) by its full path (a spawn looks the command up in the child's PATH), when it can make a network namespace here. */
function unshareNetwork(): string | null {
  const found = spawnSync("sh", ["-c", "command -v unshare"], { encoding: "utf8" }).stdout.trim();
  return found !== "" && spawnSync(found, ["--net", "true"]).status === 0 ? found : null;
}

function runTier(config: string, extraArgs: string[] = []) {
  const bin = nodeOnlyPath();
  const env = { PATH: bin, HOME: mkdtempSync(join(tmpdir(), "home-")), CI: "true" };
  const argv = [join(bin, "node"), AVA, "--config", config, "--tap", ...extraArgs];
  const unshare = unshareNetwork();
  const [cmd, ...args] = unshare ? [unshare, "--net", "--", ...argv] : argv;
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", timeout: 240_000 });
  if (r.error) throw r.error;
  return r;
}

test("npm run test:unit passes with PATH holding only node and no network", (t) => {
  const r = runTier("ava.unit.config.mjs");
  const pass = Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  t.is(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  t.is(fail, 0);
  t.true(pass > 700, `only ${pass} unit tests ran`);
  t.false(/^# skip [1-9]/m.test(r.stdout), "no test of the tier is skipped");
});

test("the tier's guard fails a test that starts a process or opens a connection", (t) => {
  const dir = mkdtempSync(join(ROOT, "dist", "test", ".tier-guard-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "leaky.test.js"),
    `const test = require("ava");
const { execFileSync } = require("child_process");
const net = require("net");
test("spawns", (t) => { execFileSync("true"); t.pass(); });
test("connects", async (t) => { await new Promise((ok, ko) => net.connect(22, "127.0.0.1").on("connect", ok).on("error", ko)); t.pass(); });
`,
  );
  const config = join(dir, "ava.config.mjs");
  writeFileSync(
    config,
    `export default { files: ["${relative(ROOT, join(dir, "*.test.js"))}"], require: ["${join(ROOT, "dist", "test", "helpers", "hermetic.js")}"] };\n`,
  );
  const r = runTier(config);
  t.not(r.status, 0);
  t.regex(r.stdout, /# fail 2/);
  t.regex(r.stdout + r.stderr, /the unit tier is hermetic: child_process\.execFileSync/);
  t.regex(r.stdout + r.stderr, /the unit tier is hermetic: a network connection/);
});
