/**
 * Runs a Pulumi program through the real engine (the pulumi CLI on PATH) on a temporary stack with
 * local state: preview, up, refresh, destroy, outputs and the exported state.
 */
import { execFile } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { join } from "path";
import { repoRoot } from "../../lab/lab";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions on what a user sees. */
  text: string;
}

export interface PreviewStep {
  op: string;
  urn: string;
  diffReasons?: string[];
  replaceReasons?: string[];
}

const STACK_COMMANDS = /^(preview|up|refresh|destroy|config|stack (output|export|import))\b/;

export interface ProjectOptions {
  /** An existing Pulumi project folder (with its own Pulumi.yaml and node_modules), used as it is. */
  projectDir?: string;
  /** The state backend (default: a file backend in a folder of the stack's own). */
  backendUrl?: string;
  /** The secrets passphrase (default: one for the tests). */
  passphrase?: string;
  /** More environment for pulumi (e.g. PGPASSWORD for a postgres:// backend). */
  env?: NodeJS.ProcessEnv;
}

export class EngineStack {
  dir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly scratch: string;

  /** program: a compiled program under dist/ (e.g. "dist/examples/quickstart/index.js"), or "" with opts.projectDir. */
  constructor(
    readonly program: string,
    readonly stack = "test",
    opts: ProjectOptions = {},
  ) {
    this.scratch = mkdtempSync(join(repoRoot, ".lab", "engine-"));
    mkdirSync(join(this.scratch, "state"));
    if (opts.projectDir) {
      this.dir = opts.projectDir;
    } else {
      this.dir = this.scratch;
      writeFileSync(
        join(this.dir, "Pulumi.yaml"),
        `name: sev-test\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: ${join(repoRoot, program)}\n`,
      );
      symlinkSync(join(repoRoot, "node_modules"), join(this.dir, "node_modules"));
      writeFileSync(join(this.dir, "package.json"), JSON.stringify({ name: "sev-test", private: true }));
    }
    this.env = {
      ...process.env,
      ...opts.env,
      PULUMI_BACKEND_URL: opts.backendUrl ?? `file://${join(this.scratch, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: opts.passphrase ?? "engine-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: join(this.scratch, "pulumi-home"),
      NO_COLOR: "1",
    };
  }

  /** The environment pulumi runs in (backend, passphrase, home), for other tools run against the same stack. */
  get environment(): NodeJS.ProcessEnv {
    return { ...this.env };
  }

  /** The project was moved (another checkout, another runner): run from there from now on. */
  movedTo(dir: string): void {
    this.dir = dir;
  }

  run(args: string[], timeoutMs = 600_000): Promise<RunResult> {
    // The stack is always named: the selected stack is remembered per project folder, and a project may move.
    const named = STACK_COMMANDS.test(args.slice(0, 2).join(" ")) ? ["--stack", this.stack] : [];
    return new Promise((resolve) => {
      execFile(
        "pulumi",
        ["--non-interactive", "--color", "never", ...named, ...args],
        { cwd: this.dir, env: this.env, timeout: timeoutMs, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
          const why = err && !stdout && !stderr ? err.message : "";
          resolve({ code, stdout, stderr, text: `${stdout}\n${stderr}${why}` });
        },
      );
    });
  }

  async must(args: string[], shown = args.join(" ")): Promise<RunResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`pulumi ${shown} failed (${r.code}):\n${r.text}`);
    return r;
  }

  async init(config: Record<string, string | object>, secrets: Record<string, string> = {}): Promise<void> {
    await this.must(["stack", "init", this.stack]);
    for (const [k, v] of Object.entries(config)) await this.must(["config", "set", k, typeof v === "string" ? v : JSON.stringify(v)]);
    for (const [k, v] of Object.entries(secrets)) await this.must(["config", "set", "--secret", k, "--", v], "<secret>");
  }

  setConfig(key: string, value: string | object): Promise<RunResult> {
    return this.must(["config", "set", key, typeof value === "string" ? value : JSON.stringify(value)]);
  }

  /** The plan as the engine computed it (`pulumi preview --json`). */
  async preview(): Promise<RunResult & { steps: PreviewStep[] }> {
    const r = await this.run(["preview", "--json", "--diff"]);
    let steps: PreviewStep[] = [];
    try {
      steps = (JSON.parse(r.stdout).steps ?? []) as PreviewStep[];
    } catch {
      /* failed previews print no JSON */
    }
    return { ...r, steps };
  }

  up(extra: string[] = []): Promise<RunResult> {
    return this.run(["up", "--yes", "--skip-preview", "--diff", ...extra]);
  }

  refresh(): Promise<RunResult> {
    return this.run(["refresh", "--yes", "--skip-preview", "--diff"]);
  }

  /** Non-zero exit when the engine sees any change. */
  expectNoChanges(): Promise<RunResult> {
    return this.run(["preview", "--expect-no-changes", "--diff"]);
  }

  destroy(): Promise<RunResult> {
    return this.run(["destroy", "--yes", "--skip-preview"]);
  }

  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.must(["stack", "output", "--json"])).stdout);
  }

  /** The raw state file contents as stored by the backend (secrets encrypted). */
  async exportState(): Promise<string> {
    return (await this.must(["stack", "export"])).stdout;
  }

  /** Replaces the stack's state with a (modified) export. */
  async importState(state: string): Promise<void> {
    const file = join(this.scratch, "import.json");
    writeFileSync(file, state);
    await this.must(["stack", "import", "--file", file]);
  }

  async dispose(): Promise<void> {
    await this.run(["stack", "rm", "--yes", "--force", this.stack]);
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** A fresh stack of a program with the given config, handed to fn and removed afterwards, whatever happens. */
export async function withStack<T>(program: string, config: Record<string, string | object>, fn: (s: EngineStack) => Promise<T>): Promise<T> {
  const s = new EngineStack(program);
  try {
    await s.init(config);
    return await fn(s);
  } finally {
    await s.dispose();
  }
}
