/**
 * The secret scan of the engine tests: every CLI output of a run is kept, and after destroy the
 * backend's state files (current, backups, history), the stack export and those outputs are
 * searched for each secret value in plain text.
 */
import { ExecutionContext } from "ava";
import { readdirSync, readFileSync, statSync } from "fs";
import { join } from "path";
import { EngineStack } from "./engine";

/** Pulumi's marker of an encrypted value in exported state, and its value. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

export class SecretScan {
  readonly outputs: string[] = [];

  constructor(
    private readonly t: ExecutionContext,
    private readonly stack: EngineStack,
  ) {}

  /** Runs a step that must succeed and keeps what it printed. */
  async run(what: string, r: Promise<{ code: number; text: string }>): Promise<void> {
    const done = await r;
    this.t.is(done.code, 0, `${what}: ${done.text}`);
    this.outputs.push(done.text);
  }

  /** Asserts that no secret value is in the state files, the export or any output kept. */
  assertNowhere(secrets: string[], exported: string): void {
    const dir = (this.stack.environment.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, "");
    const stored = filesUnder(dir).map((f) => ({ f, text: readFileSync(f, "utf8") }));
    this.t.true(stored.some(({ f }) => f.includes("history")) && stored.some(({ f }) => f.includes("backups")), "history and backups were searched");
    const found = [
      ...stored.flatMap(({ f, text }) => secrets.filter((x) => text.includes(x)).map(() => f)),
      ...(secrets.some((x) => exported.includes(x)) ? ["stack export"] : []),
      ...this.outputs.flatMap((o, i) => (secrets.some((x) => o.includes(x)) ? [`CLI output ${i}`] : [])),
    ];
    this.t.deepEqual(found, [], "no secret value in plain text anywhere");
    this.t.log(`secret scan: ${secrets.length} secret values in ${stored.length} state files, 1 export, ${this.outputs.length} CLI outputs: 0 found`);
  }
}
