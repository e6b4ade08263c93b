/** Waiting in tests for something a lab host does in the background. */
import { execFileSync } from "child_process";

/** A process with exactly these arguments runs on this machine (lab hosts share its process table). */
export function processRunning(args: string): boolean {
  return execFileSync("ps", ["-e", "-o", "args="], { encoding: "utf8" })
    .split("\n")
    .some((l) => l.trim() === args);
}

/** Polls ok every 100 ms until it holds; fails naming what was waited for after timeoutMs. */
export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (await ok()) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}
