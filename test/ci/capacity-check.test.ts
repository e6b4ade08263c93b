/**
 * The CI example (examples/ci/) as an infra repo wires it: the package installed from its tarball,
 * the workflow's script copied in as ci/capacity-check.sh, run against lab hosts through the real
 * engine and the installed sev-capacity. The workflow's own step that calls the script runs as is.
 */
import anyTest, { TestFn } from "ava";
import { execFile } from "child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";
import { freePort, repoRoot } from "../../lab/lab";
import { EngineStack } from "../helpers/engine";
import { startLab, TestLab } from "../helpers/lab";
import { installProject, packTarball } from "../helpers/package";
import { runCli } from "../helpers/cli";

const test = anyTest as TestFn<{ lab: TestLab; project: string; scratch: string }>;

const EXAMPLE = join(repoRoot, "examples", "ci");
const WORKFLOW = join(EXAMPLE, "github", "workflows", "sev-capacity.yml");

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { env: Record<string, string>; steps: Step[] }>;
}
const workflow = () => parse(readFileSync(WORKFLOW, "utf8")) as Workflow;

test.before(async (t) => {
  const [lab, project] = await Promise.all([
    startLab(__filename, ["rome", "rome-sev-disabled"]),
    packTarball().then((tarball) => installProject(tarball, "sev-infra-ci-")),
  ]);
  t.context.lab = lab;
  t.context.project = project;
  t.context.scratch = mkdtempSync(join(tmpdir(), "sev-ci-check-"));
  // The infra repo as the example's instructions lay it out.
  mkdirSync(join(project, "ci"));
  copyFileSync(join(EXAMPLE, "capacity-check.sh"), join(project, "ci", "capacity-check.sh"));
  writeFileSync(join(project, "ci", "inventory.yaml"), inventoryYaml(lab, "rome"));
});
test.after.always((t) => {
  t.context.lab?.stop();
  if (t.context.project) rmSync(t.context.project, { recursive: true, force: true });
  if (t.context.scratch) rmSync(t.context.scratch, { recursive: true, force: true });
});

/** One lab host as an infra repo's inventory names it: a key file and the passphrase's variable. */
function inventoryYaml(lab: TestLab, name: string, extra = ""): string {
  const h = lab.host(name);
  return [
    "hosts:",
    `  - name: ${h.name}`,
    `    address: "${h.address}"`,
    `    port: ${h.port}`,
    `    user: ${h.user}`,
    `    privateKeyPath: "${h.privateKeyPath}"`,
    "    passphraseEnv: SEV_SSH_PASSPHRASE",
    `    hostKeyFingerprint: "${h.hostKeyFingerprint}"`,
    extra,
  ].join("\n");
}

function hostConfig(lab: TestLab, name: string) {
  const h = lab.host(name);
  return {
    config: { "sev:address": h.address, "sev:port": String(h.port), "sev:user": h.user, "sev:hostKeyFingerprint": h.hostKeyFingerprint } as Record<
      string,
      string | object
    >,
    secrets: { "sev:privateKey": readFileSync(h.privateKeyPath, "utf8"), "sev:passphrase": h.passphrase },
  };
}

interface Checked {
  code: number;
  log: string;
  markdown: string | null;
}

function bash(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    execFile("bash", args, { cwd, env, timeout: 600_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, log: `${stdout}\n${stderr}` });
    });
  });
}

/** ci/capacity-check.sh of the infra repo, against a stack's backend, as a CI job runs it. */
async function capacityCheck(t: { context: { lab: TestLab; project: string; scratch: string } }, s: EngineStack, args: string[]): Promise<Checked> {
  const out = join(mkdtempSync(join(t.context.scratch, "run-")), "report.md");
  const env = { ...s.environment, SEV_SSH_PASSPHRASE: t.context.lab.host("rome").passphrase };
  const r = await bash(["ci/capacity-check.sh", "--stack", s.stack, "--out", out, ...args], t.context.project, env);
  return { ...r, markdown: existsSync(out) ? readFileSync(out, "utf8") : null };
}

async function onStack(
  t: { context: { lab: TestLab; project: string } },
  name: string,
  host: string,
  config: Record<string, string | object>,
  fn: (s: EngineStack) => Promise<void>,
): Promise<void> {
  const s = new EngineStack("", name, { projectDir: t.context.project });
  try {
    const base = hostConfig(t.context.lab, host);
    await s.init({ ...base.config, ...config }, base.secrets);
    await fn(s);
  } finally {
    await s.destroy();
    await s.dispose();
  }
}

test("the workflow parses, previews on pull requests, calls the script, comments before it fails the job", (t) => {
  const wf = workflow();
  t.true("pull_request" in wf.on);
  t.false("pull_request_target" in wf.on, "never runs a pull request's code with the base repo's secrets and write token");
  t.is(wf.permissions["pull-requests"], "write");
  const job = Object.values(wf.jobs)[0];
  t.regex(job.env.PULUMI_BACKEND_URL, /^\$\{\{ secrets\.\w+ \}\}$/);
  t.regex(job.env.PULUMI_CONFIG_PASSPHRASE, /^\$\{\{ secrets\.\w+ \}\}$/);

  const steps = job.steps;
  const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
  const node = at((s) => s.uses?.startsWith("actions/setup-node@") === true);
  t.true(node >= 0);
  t.is(String(steps[node].with?.["node-version"]), "22");
  t.true(at((s) => s.uses?.startsWith("pulumi/actions@") === true) >= 0, "installs the Pulumi CLI");
  const install = at((s) => /^npm ci\b/m.test(s.run ?? ""));
  const check = at((s) => /\bbash ci\/capacity-check\.sh\b/.test(s.run ?? ""));
  const comment = at((s) => /\bgh api\b/.test(s.run ?? ""));
  const fail = at((s) => /\bexit 1\b/.test(s.run ?? ""));
  t.true(install >= 0 && install < check, "npm ci, then the check");
  t.true(check < comment && comment < fail, "the comment is posted before the job fails");
  t.regex(steps[check].run!, /--out "\$RUNNER_TEMP\/sev-capacity\.md"/);
  t.regex(steps[check].run!, /"status=\$status" >> "\$GITHUB_OUTPUT"/);
  t.regex(steps[comment].if ?? "", /!cancelled\(\)|always\(\)/, "the comment is posted when the check failed");
  t.regex(steps[comment].run!, /sev-capacity\.md/);
  t.regex(steps[fail].if ?? "", /steps\.check\.outputs\.status != '0'/);
  t.is(steps[check].id, "check");
  // Expressions are expanded before the shell reads the line: they belong in env, never in run.
  t.deepEqual(
    steps.filter((s) => s.run?.includes("${{")).map((s) => s.name),
    [],
  );
});

test("the example inventory is accepted by sev-capacity as it is (only the hosts are unreachable)", async (t) => {
  const home = mkdtempSync(join(t.context.scratch, "home-"));
  mkdirSync(join(home, ".ssh"), { mode: 0o700 });
  copyFileSync(t.context.lab.host("rome").privateKeyPath, join(home, ".ssh", "sev_ci_key"));
  const r = await runCli(["--inventory", join(EXAMPLE, "inventory.yaml"), "--json", "--quiet"], {
    HOME: home,
    SEV_SSH_PASSPHRASE: t.context.lab.host("rome").passphrase,
  });
  t.is(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { hosts: { name: string; status: string; error: string }[] };
  t.deepEqual(
    report.hosts.map((h) => [h.name, h.status]),
    [
      ["epyc-01", "error"],
      ["epyc-02", "error"],
    ],
  );
  t.true(
    report.hosts.every((h) => /cannot connect|timed out/.test(h.error)),
    JSON.stringify(report.hosts),
  );
});

test("usage errors: exit 2 and no report; a stack name is never run as shell", async (t) => {
  const env = { ...process.env, PULUMI_BACKEND_URL: "file:///nonexistent" };
  const out = join(t.context.scratch, "usage.md");
  const missing = await bash(["ci/capacity-check.sh", "--stack", "x"], t.context.project, env);
  t.is(missing.code, 2);
  t.regex(missing.log, /--out is required/);
  const hostile = await bash(["ci/capacity-check.sh", "--stack", "x; touch pwned", "--out", out], t.context.project, env);
  t.is(hostile.code, 2);
  t.regex(hostile.log, /--stack is not a stack name: x; touch pwned/);
  t.false(existsSync(out));
  t.false(existsSync(join(t.context.project, "pwned")));
});

test.serial("a ready host with room: the workflow's step passes, the report lists the host; after up, its guest counts as this stack's", async (t) => {
  const { lab, project, scratch } = t.context;
  lab.images("rome", ["app-1"]);
  await onStack(t, "ready", "rome", {}, async (s) => {
    // The workflow's step, as GitHub Actions runs it (bash -eo pipefail on the step's text), with its job's variables.
    const wf = workflow();
    const job = Object.values(wf.jobs)[0];
    const step = job.steps.find((x) => x.id === "check")!;
    const runner = mkdtempSync(join(scratch, "runner-"));
    writeFileSync(join(runner, "step.sh"), step.run!);
    writeFileSync(join(runner, "output"), "");
    const env = {
      ...s.environment,
      STACK: "ready",
      INVENTORY: job.env.INVENTORY,
      SEV_SSH_PASSPHRASE: lab.host("rome").passphrase,
      RUNNER_TEMP: runner,
      GITHUB_OUTPUT: join(runner, "output"),
    };
    const started = Date.now();
    const r = await bash(["--noprofile", "--norc", "-eo", "pipefail", join(runner, "step.sh")], project, env);
    t.log(`the workflow's check step: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    t.is(r.code, 0, r.log);
    t.is(readFileSync(join(runner, "output"), "utf8"), "status=0\n");
    const md = readFileSync(join(runner, "sev-capacity.md"), "utf8");
    t.is(md.split("\n")[0], "<!-- sev-capacity-check stack=ready -->");
    t.regex(md, /^\*\*pulumi preview\*\*: ✅ passed$/m);
    t.regex(md, /^\s*\+ 5 to create$/m, "the plan's summary: stack, host, its slot plan, flavor, guest");
    t.regex(md, /^\| ✅ \| rome \| ready \| 0 \/ 59 \(0 this stack, 59 free\) \|/m);
    t.regex(md, /^\*\*Result\*\*: ✅ the change fits\.$/m);
    t.false(md.includes(lab.host("rome").passphrase) || md.includes("PRIVATE KEY"), "no credentials in the comment");

    const up = await s.up();
    t.is(up.code, 0, up.text);
    t.deepEqual(await lab.domains("rome"), ["app-1"]);
    const after = await capacityCheck(t, s, ["--inventory", "ci/inventory.yaml"]);
    t.is(after.code, 0, after.log);
    t.regex(after.markdown!, /^\| ✅ \| rome \| ready \| 1 \/ 59 \(1 this stack, 58 free\) \|/m);

    // The operator caps the host below what already runs there: the preview still passes, the check does not.
    writeFileSync(join(scratch, "capped.yaml"), inventoryYaml(lab, "rome", "    maxGuests: { sev: 0 }"));
    const capped = await capacityCheck(t, s, ["--inventory", join(scratch, "capped.yaml")]);
    t.is(capped.code, 1, capped.log);
    t.regex(capped.markdown!, /^\*\*pulumi preview\*\*: ✅ passed$/m);
    t.regex(capped.markdown!, /^\| ❌ \| rome \| ready; \*\*the sev pool is over-committed: 1 SEV domain defined, 0 slots \(override\)\*\*/m);
    t.regex(capped.markdown!, /^\*\*Result\*\*: ❌ a host is not ready, could not be probed, or has a pool over-committed\.$/m);
  });
  t.deepEqual(await lab.domains("rome"), []);
});

test.serial("a program that over-commits the host: the preview fails, exit 1, the report says which guest does not fit", async (t) => {
  const { lab } = t.context;
  await onStack(t, "overcommit", "rome", { "sev:maxGuests": "1", "sev:guests": ["app-1", "app-2"] }, async (s) => {
    const r = await capacityCheck(t, s, ["--inventory", "ci/inventory.yaml"]);
    t.is(r.code, 1, r.log);
    const md = r.markdown!;
    t.regex(md, /^\*\*pulumi preview\*\*: ❌ failed \(exit \d+\)$/m);
    t.regex(
      md,
      /^```text\nerror: .*the sev slot pool cannot hold 2 new guests: total 1 \(override\), used by others 0, used by this stack 0, requested 2, free before this change 1\. Guests that do not fit: app-2\./m,
      "the engine's error, first and in its own block",
    );
    t.regex(md, /^\| ✅ \| rome \| ready \|/m, "the host itself is fine");
    t.regex(md, /^\*\*Result\*\*: ❌ the preview failed\.$/m);
    t.deepEqual(await lab.domains("rome"), [], "the check changes nothing");
  });
});

test.serial("a host that is not ready (SEV disabled): exit 1, the report names the failed checks and the preview says why", async (t) => {
  const { lab, project } = t.context;
  writeFileSync(join(project, "ci", "disabled.yaml"), inventoryYaml(lab, "rome-sev-disabled"));
  await onStack(t, "disabled", "rome-sev-disabled", { "sev:inventory": "ci/disabled.yaml" }, async (s) => {
    // No --inventory: the hosts come from the stack's config (sev:inventory), as sev-capacity reads it.
    const r = await capacityCheck(t, s, []);
    t.is(r.code, 1, r.log);
    const md = r.markdown!;
    t.regex(md, /^\| ❌ \| rome-sev-disabled \| not ready: `[\w.-]+`/m);
    t.regex(md, /^\*\*pulumi preview\*\*: ❌ failed/m);
    t.regex(
      md,
      /^error: .*SevHost resource 'hv-1' has a problem: host [\d.:]+ is not ready for AMD SEV: \d+ checks failed/m,
      "the host says so itself at preview",
    );
    t.regex(md, /\[kvm-amd-sev\] kvm_amd has SEV enabled: found kvm_amd loaded, sev=0/, "with its readiness report");
    t.regex(md, /^\*\*Result\*\*: ❌ the preview failed; a host is not ready, could not be probed, or has a pool over-committed\.$/m);
    t.deepEqual(await lab.domains("rome-sev-disabled"), []);
  });
});

test("a state backend that cannot be opened: exit 1, the report says so without the database password", async (t) => {
  const password = "db-password-never-in-a-comment";
  const env = {
    ...process.env,
    PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME: mkdtempSync(join(t.context.scratch, "home-")),
    // Nothing listens there: pulumi fails to open the backend and prints its URL.
    PULUMI_BACKEND_URL: `postgres://pulumi:${password}@127.0.0.1:${await freePort()}/pulumi?sslmode=disable&connect_timeout=5`,
    SEV_SSH_PASSPHRASE: t.context.lab.host("rome").passphrase,
  };
  const out = join(mkdtempSync(join(t.context.scratch, "run-")), "report.md");
  const r = await bash(["ci/capacity-check.sh", "--stack", "prod", "--inventory", "ci/inventory.yaml", "--out", out], t.context.project, env);
  t.is(r.code, 1, r.log);
  t.true(r.log.includes(password), "pulumi itself prints the password (in a CI log, GitHub masks secrets)");
  const md = readFileSync(out, "utf8");
  t.regex(md, /^\*\*pulumi preview\*\*: ❌ failed/m);
  t.regex(md, /^error: unable to open state database "\[redacted\]": failed to ping PostgreSQL/im);
  t.false(md.includes(password));
  t.regex(md, /^\| ✅ \| rome \| ready \|/m, "the hosts are still reported");
});
