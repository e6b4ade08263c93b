import { hostname } from "os";
import { exec, holdWhileOpen, ReadyWhen, SshError, SshTarget, sudoRefusal } from "./ssh";
import { firstOutput, LOCK_READY, lockHeld } from "../core/parse/lock";
import { FRAMING, scriptFile } from "./scripts";

export { LOCK_READY };

/** The lock is held once its ready line is there (core/parse/lock.ts). */
export const LOCK_HELD: ReadyWhen = { what: LOCK_READY, seen: lockHeld };

/** One lock per hypervisor for every pulumi-sev process that changes SEV guests on it. */
export const HOST_LOCK = "/run/lock/pulumi-sev.lock";
/** Who holds the lock, written by the holder once it has it: a waiter that gives up can say who. */
export const HOST_LOCK_HOLDER = "/run/lock/pulumi-sev.holder";

/** lock.sh after the framing; it writes the holder to HOST_LOCK_HOLDER. */
const LOCK_SCRIPT = `${FRAMING}\n${scriptFile("lock.sh")}`;

/**
 * The lock command; the holder's description is an argument, never part of the script. `first`
 * runs as soon as the lock is taken, its output framed as the section "first" before the ready
 * line (core/parse/lock.ts): one channel for both.
 */
export function lockCommand(waitSeconds: number, holder: string, first: readonly string[] = []): string[] {
  return ["flock", "-w", String(waitSeconds), HOST_LOCK, "sh", "-c", LOCK_SCRIPT, "sh", holder, ...first];
}

/** What this process writes as the holder: enough for an operator to find it. */
export function holderOf(what: string): string {
  return `${what} (pid ${process.pid} on ${hostname()}, since ${new Date().toISOString()})`;
}

async function currentHolder(t: SshTarget): Promise<string> {
  const r = await exec(t, ["cat", HOST_LOCK_HOLDER], { allowFailure: true }).catch(() => null);
  return r && r.code === 0 && r.stdout.trim() ? r.stdout.trim() : "unknown (no holder recorded)";
}

/** Runs fn while holding flock(1) on the host's lock file; fn gets what `first` printed under the lock. */
export async function withHostLock<T>(
  t: SshTarget,
  waitSeconds: number,
  what: string,
  fn: (printed: string) => Promise<T>,
  first: readonly string[] = [],
): Promise<T> {
  let printed = "";
  const release = await holdWhileOpen(
    t,
    lockCommand(waitSeconds, holderOf(what), first),
    LOCK_HELD,
    (waitSeconds + 15) * 1000,
    (text) => (printed = firstOutput(text)),
  ).catch(async (err: SshError) => {
    const refused = t.user !== "root" ? sudoRefusal(t, "flock", err.stderr ?? "") : null;
    if (refused) throw new Error(refused);
    // flock -w exits 1, silently, when the wait runs out; anything else is its own story.
    if (err.exitCode !== 1 || err.stderr?.trim()) throw new Error(`${t.host}: could not take the host lock ${HOST_LOCK}: ${err.message}`);
    const holder = await currentHolder(t);
    throw new Error(
      `${t.host}: could not take the host lock ${HOST_LOCK} within ${waitSeconds}s: held by ${holder}. ` +
        `Fix: wait for that run to finish, or raise lockWaitSeconds on the SevHost. (${err.message})`,
    );
  });
  try {
    return await fn(printed);
  } finally {
    await release();
  }
}
