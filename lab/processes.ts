/** The lab's processes: free ports, waiting for a host's sshd, and stopping what a host started (by pid file). */
import { existsSync, readFileSync, readdirSync } from "fs";
import { connect, createServer } from "net";
import { join } from "path";
import { LabHost } from "./inventory";

/** A loopback port nothing listens on (now). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export function waitForSsh(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((res, rej) => {
    const attempt = () => {
      const s = connect(port, "127.0.0.1");
      s.once("data", (d) => {
        s.destroy();
        d.toString().startsWith("SSH-") ? res() : rej(new Error(`port ${port}: not an SSH server`));
      });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > deadline) rej(new Error(`lab sshd on port ${port} did not start within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** A host from an earlier run counts only while its sshd still runs (not after a reboot). */
export function isRunning(h: LabHost): boolean {
  const pidFile = join(h.folder, "run", "sshd.pid");
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, "utf8").trim()), 0);
    return true;
  } catch {
    return false;
  }
}

function pidsOf(folder: string): number[] {
  const run = join(folder, "run");
  if (!existsSync(run)) return [];
  return readdirSync(run)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => Number(readFileSync(join(run, f), "utf8").trim()))
    .filter((n) => n > 1);
}

/** Stops every process a host started, by the process ids in its run/ folder. */
export function stopProcesses(folder: string): number {
  let stopped = 0;
  for (const pid of pidsOf(folder)) {
    try {
      process.kill(pid, "SIGTERM");
      stopped++;
    } catch {
      /* already gone */
    }
  }
  return stopped;
}
