/**
 * Bench only: a CPU profile of a Pulumi node process the engine may kill (the dynamic provider host
 * is killed before `node --cpu-prof` writes its file). Given by
 * `NODE_OPTIONS="--require <abs>/dist/bench/tools/profile-preload.js"` with PROFILE_DIR set, it
 * profiles the program and the dynamic provider (no other node process) and writes
 * `<role>-<pid>-<n>.cpuprofile` when the process exits or gets SIGINT or SIGTERM (how the engine
 * ends its plugins). With PROFILE_SEGMENT_MS it also writes a segment that often (each restart of
 * the profiler costs the process about 0.1 s), so that a SIGKILL loses only the last segment.
 * bench/tools/profile-summary.ts reads them.
 */
import { Session } from "inspector";
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";

function roleOf(script: string): string | null {
  if (/dynamic-provider/.test(script)) return "provider";
  if (/[/\\]cmd[/\\]run/.test(script)) return "program";
  return null;
}

function start(dir: string, role: string): void {
  const session = new Session();
  session.connect();
  let segment = 0;
  // The in-process session answers synchronously: a signal or exit handler can stop and write.
  const stopAndWrite = () =>
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(join(dir, `${role}-${process.pid}-${String(segment++).padStart(4, "0")}.cpuprofile`), JSON.stringify(result.profile));
    });
  session.post("Profiler.enable");
  session.post("Profiler.start");
  const every = Number(process.env.PROFILE_SEGMENT_MS ?? 0);
  if (every > 0) setInterval(() => (stopAndWrite(), session.post("Profiler.start")), every).unref();
  process.on("exit", stopAndWrite);
  // The engine ends the provider with SIGINT (SIGKILL a second later): write, then exit as the signal would.
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      stopAndWrite();
      process.kill(process.pid, signal);
    });
}

const dir = process.env.PROFILE_DIR;
const role = roleOf(process.argv[1] ?? "");
if (dir && role) {
  mkdirSync(dir, { recursive: true });
  start(dir, role);
}
