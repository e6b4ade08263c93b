/**
 * The Automation API as a platform team uses it: examples/automation, a tool with an inline program
 * (a SevHost and a SevGuest), installed with pulumi-sev from its tarball in the tool's own folder
 * outside the repo, run with LocalWorkspace on a lab host: up, a preview with no changes, refresh,
 * destroy. A workDir where pulumi-sev is not installed fails with the error that names workDir.
 */
import anyTest, { TestFn } from "ava";
import { execFile } from "child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { packTarball } from "../helpers/package";
import { repoRoot } from "../../lab/lab";

const test = anyTest as TestFn<{ lab: TestLab; tool: string }>;

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; text: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, timeout: 600_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      done({ code, text: `${stdout}\n${stderr}` });
    });
  });
}

/** The tool's folder: its package.json, npm install (pulumi-sev from the tarball), and the compiled tool. */
async function installTool(): Promise<string> {
  const tarball = await packTarball();
  const dir = mkdtempSync(join(tmpdir(), "sev-automation-"));
  const pulumiVersion = require(join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json")).version as string;
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "sev-automation", private: true, dependencies: { "@pulumi/pulumi": pulumiVersion, "pulumi-sev": `file:${tarball.file}` } }),
  );
  const installed = await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel", "error"], dir);
  if (installed.code !== 0) throw new Error(`npm install: ${installed.text}`);
  copyFileSync(join(repoRoot, "dist", "examples", "automation", "index.js"), join(dir, "index.js"));
  return dir;
}

test.before(async (t) => {
  [t.context.lab, t.context.tool] = await Promise.all([startLab(__filename, ["rome"]), installTool()]);
});
test.after.always((t) => t.context.lab?.stop());

function toolEnv(lab: TestLab, state: string, stack: string): NodeJS.ProcessEnv {
  const h = lab.host("rome");
  mkdirSync(state, { recursive: true });
  return {
    ...process.env,
    SEV_ADDRESS: h.address,
    SEV_PORT: String(h.port),
    SEV_USER: h.user,
    SEV_HOST_KEY: h.hostKeyFingerprint,
    SEV_KEY_FILE: h.privateKeyPath,
    SEV_KEY_PASSPHRASE: h.passphrase,
    SEV_STACK: stack,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "automation-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_HOME: join(state, "..", "pulumi-home"),
    NO_COLOR: "1",
  };
}

test.serial("the tool runs its inline program through LocalWorkspace with workDir: up, preview with no changes, refresh, destroy", async (t) => {
  const { lab, tool } = t.context;
  lab.images("rome", ["app-1"]);
  const env = toolEnv(lab, join(mkdtempSync(join(tmpdir(), "sev-automation-state-")), "state"), "dev");
  const step = async (action: string, extra: NodeJS.ProcessEnv = {}) => {
    const r = await sh(process.execPath, ["index.js", action], tool, { ...env, ...extra });
    t.is(r.code, 0, `${action}: ${r.text}`);
    return r.text;
  };
  await step("up");
  t.deepEqual(await lab.domains("rome"), ["app-1"]);
  const preview = await step("preview", { SEV_EXPECT_NO_CHANGES: "1" });
  t.regex(preview, /changes: \{"same":5\}/, "the stack, host, flavor, slot plan and guest unchanged");
  await step("refresh");
  await step("destroy");
  t.deepEqual(await lab.domains("rome"), []);
});

test.serial("a workDir without pulumi-sev: the provider's error names workDir", async (t) => {
  const { lab, tool } = t.context;
  const elsewhere = mkdtempSync(join(tmpdir(), "sev-automation-elsewhere-"));
  // Every dependency of the tool but pulumi-sev, linked and resolved from there (--preserve-symlinks), the tool run from there.
  mkdirSync(join(elsewhere, "node_modules"));
  for (const e of readdirSync(join(tool, "node_modules"))) {
    if (e !== "pulumi-sev") symlinkSync(join(tool, "node_modules", e), join(elsewhere, "node_modules", e));
  }
  const env = { ...toolEnv(lab, join(elsewhere, "state"), "elsewhere"), NODE_OPTIONS: "--preserve-symlinks --preserve-symlinks-main" };
  const script = `require(${JSON.stringify(join(tool, "index.js"))}).stackOf("elsewhere", ${JSON.stringify(elsewhere)}).then((s) => s.preview()).then(() => process.exit(0), (e) => { console.error(String(e)); process.exit(1); })`;
  const r = await sh(process.execPath, ["-e", script], elsewhere, env);
  t.is(r.code, 1, r.text);
  t.regex(r.text, /pulumi-sev: cannot load the provider package from the Pulumi project in .*sev-automation-elsewhere-/);
  t.regex(r.text, /with the Automation API, pass the folder where pulumi-sev is installed as workDir/);
});
