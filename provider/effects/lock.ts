import { holdWhileOpen, SshTarget } from "./ssh";

/** One lock per hypervisor for every pulumi-sev process that changes SEV guests on it. */
export const HOST_LOCK = "/run/lock/pulumi-sev.lock";

/** Runs fn while holding flock(1) on the host's lock file. */
export async function withHostLock<T>(t: SshTarget, waitSeconds: number, fn: () => Promise<T>): Promise<T> {
  const release = await holdWhileOpen(
    t,
    ["flock", "-w", String(waitSeconds), HOST_LOCK, "sh", "-c", "echo locked; exec cat >/dev/null"],
    "locked",
    (waitSeconds + 15) * 1000,
  ).catch((err: Error) => {
    throw new Error(`${t.host}: could not take the host lock ${HOST_LOCK} within ${waitSeconds}s (${err.message})`);
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}
