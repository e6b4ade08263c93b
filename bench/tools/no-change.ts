/**
 * Bench only: a deployed fleet kept up to measure no-change previews again and again (an up of
 * 50 × 15 takes minutes; engine.js pays it each run).
 *   node dist/bench/tools/no-change.js up K [--guests G]      deploys the real and the empty program, writes
 *                                                           .lab/bench/no-change-K.json, and waits (Ctrl-C or
 *                                                           SIGTERM: removes the stacks and the lab)
 *   node dist/bench/tools/no-change.js preview FILE ROUNDS [--profile DIR]
 *                                                           pairs of `pulumi preview --expect-no-changes`
 *                                                           (empty, then real): wall time, ratio, CPU seconds
 *                                                           of each process; with --profile the program and
 *                                                           provider are profiled (profile-preload.ts) into DIR/{empty,real},
 *                                                           the CLI by its own --profiling (DIR/{empty,real}/cli.PID.cpu: go tool pprof)
 */
import { execFile } from "child_process";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { EngineStack } from "../../test/helpers/engine";
import { benchDir, CLK_TCK, descendants, fmt, median, procRows, roleOf, startFleet, timed } from "../fleet";

const PROGRAM = "dist/bench/programs/fleet/index.js";
const PRELOAD = join(__dirname, "profile-preload.js");

interface Deployed {
  dir: string;
  stack: string;
  env: NodeJS.ProcessEnv;
}

async function up(k: number, guests: number): Promise<void> {
  const f = await startFleet(k);
  const stacks: EngineStack[] = [];
  const stop = async () => {
    for (const s of stacks) await s.dispose().catch(() => undefined);
    f.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  const deployed: Record<string, Deployed> = {};
  for (const [name, empty] of [
    ["empty", true],
    ["real", false],
  ] as const) {
    const s = new EngineStack(PROGRAM, name);
    stacks.push(s);
    await s.init({ "sev:inventory": f.inventoryFile, "sev:guestsPerHost": String(guests), "sev:empty": String(empty) });
    const { seconds, value } = await timed(() => s.up());
    if (value.code !== 0) throw new Error(`up of ${name} failed:\n${value.text.slice(-4000)}`);
    console.log(`${name} up: ${fmt(seconds)}`);
    deployed[name] = { dir: s.dir, stack: name, env: s.environment };
  }
  const file = join(benchDir, `no-change-${k}.json`);
  writeFileSync(file, JSON.stringify({ ...deployed, lab: f.dir }));
  console.log(`deployed: ${file} (waiting; SIGTERM ${process.pid} removes it)`);
  setInterval(() => undefined, 1 << 30); // a pending promise alone would let node exit, leaving the lab up
}

/** fleet.ts's roles, and the two more processes a run has. */
function roleIn(cmdline: string): string {
  return roleOf(cmdline) ?? (cmdline.includes("pulumi-language-nodejs") ? "language host" : "other");
}

/**
 * CPU seconds the lab hosts of `labDir` have spent: their sshd listeners with every session they
 * reaped (the probes' shells and virsh shims), and their libvirtd daemons.
 */
function labCpu(labDir: string): number {
  let seconds = 0;
  for (const r of procRows()) {
    try {
      if (readFileSync(`/proc/${r.pid}/cmdline`, "utf8").includes(labDir)) seconds += r.cpuSeconds + r.reapedCpuSeconds;
    } catch {
      /* gone */
    }
  }
  return seconds;
}

/** CPU seconds of the whole machine (every core, all but idle and iowait). */
function machineBusy(): number {
  const [, ...jiffies] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  return (jiffies.reduce((a, b) => a + b, 0) - jiffies[3] - jiffies[4]) / CLK_TCK;
}

/**
 * CPU seconds (user + system) of this process's descendants by role, sampled every 50 ms, and of
 * the rest of the machine ("machine, not ours": the lab hosts' sshd, probes, libvirtd, other load).
 */
function sampleCpu(labDir: string): { stop(): Promise<Record<string, number>> } {
  const busy0 = machineBusy();
  const lab0 = labCpu(labDir);
  const last = new Map<number, { role: string; seconds: number }>();
  const sample = () => {
    const rows = procRows();
    const mine = descendants(rows);
    for (const r of rows) {
      if (!mine.has(r.pid)) continue;
      // Read again until known: a forked child shows its parent's command line until it execs.
      let role = last.get(r.pid)?.role;
      try {
        if (!role || role === "other") role = roleIn(readFileSync(`/proc/${r.pid}/cmdline`, "utf8"));
      } catch {
        continue;
      }
      last.set(r.pid, { role, seconds: r.cpuSeconds });
    }
  };
  const timer = setInterval(sample, 50);
  return {
    async stop() {
      clearInterval(timer);
      // The sessions of the killed provider end a moment later; their listener reaps them.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const byRole: Record<string, number> = {};
      for (const { role, seconds } of last.values()) byRole[role] = (byRole[role] ?? 0) + seconds;
      byRole.lab = labCpu(labDir) - lab0;
      const ours = Object.values(byRole).reduce((a, b) => a + b, 0);
      byRole["machine, not ours"] = machineBusy() - busy0 - ours;
      return byRole;
    },
  };
}

function previewOnce(d: Deployed, labDir: string, profileDir?: string): Promise<{ seconds: number; cpu: Record<string, number> }> {
  const env = { ...d.env };
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const cliProfile = profileDir ? ["--profiling", join(profileDir, "cli")] : [];
  if (profileDir) Object.assign(env, { NODE_OPTIONS: `--require ${PRELOAD}`, PROFILE_DIR: profileDir });
  const cpu = sampleCpu(labDir);
  return timed(
    () =>
      new Promise<void>((resolve, reject) =>
        execFile(
          "pulumi",
          ["--non-interactive", "--color", "never", ...cliProfile, "--stack", d.stack, "preview", "--expect-no-changes"],
          { cwd: d.dir, env, maxBuffer: 64 << 20 },
          (err, stdout, stderr) => (err ? reject(new Error(`${d.stack}: ${stdout.slice(-3000)}\n${stderr.slice(-3000)}`)) : resolve()),
        ),
      ),
  ).then(async ({ seconds }) => ({ seconds, cpu: await cpu.stop() }));
}

const cpuText = (c: Record<string, number>) =>
  Object.entries(c)
    .sort()
    .map(([r, s]) => `${r} ${s.toFixed(2)}`)
    .join(", ");

async function preview(file: string, rounds: number, profileDir?: string): Promise<void> {
  const d = JSON.parse(readFileSync(file, "utf8")) as Record<"empty" | "real", Deployed> & { lab: string };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const e = await previewOnce(d.empty, d.lab, profileDir && join(profileDir, "empty"));
    const u = await previewOnce(d.real, d.lab, profileDir && join(profileDir, "real"));
    ratios.push(u.seconds / e.seconds);
    console.log(`round ${r + 1}: ${fmt(u.seconds)} vs empty ${fmt(e.seconds)} (${(u.seconds / e.seconds).toFixed(2)}×)`);
    console.log(`  cpu s real: ${cpuText(u.cpu)}\n  cpu s empty: ${cpuText(e.cpu)}`);
  }
  console.log(`median ratio of ${rounds}: ${median(ratios).toFixed(3)}× (${ratios.map((x) => x.toFixed(2)).join(", ")})`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  if (args[0] === "up") return up(Number(args[1] ?? 10), Number(option("--guests") ?? 15));
  if (args[0] === "preview") return preview(args[1], Number(args[2] ?? 3), option("--profile"));
  throw new Error("usage: no-change.js up K [--guests G] | preview FILE ROUNDS [--profile DIR]");
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
