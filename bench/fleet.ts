/**
 * What the fleet benchmarks share: K lab hosts (copies of the rome profile), timing with medians,
 * SSH connections and exec channels per host from the lab sshd logs, peak RSS of processes.
 */
import { execFileSync, spawn } from "child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "fs";
import { cpus, totalmem } from "os";
import { basename, join } from "path";
import { builtinProfiles, Inventory, LabHost, labDown, labUp, repoRoot } from "../lab/lab";
import { SevHostInputs } from "../provider/generated/sev-host";
import { DelayProxy, startDelayProxy } from "./tools/delay-proxy";
import { mapBounded } from "../provider/core/semaphore";

export { mapBounded };
import { readTrace, report } from "./tools/round-trips";

export const benchDir = join(repoRoot, ".lab", "bench");
export const resultsDir = join(repoRoot, "bench", "results");

export interface Fleet {
  dir: string;
  inventory: Inventory;
  /** The lab inventory file (sev-capacity and the example programs read it as it is). */
  inventoryFile: string;
  /** A copy of the client key without a passphrase, for the OpenSSH floor and Ansible. */
  plainKey: string;
  knownHosts: string;
  stop(): void;
}

/** A lab host as SevHost's inputs (its passphrase-protected key). */
export function hostInputsOf(h: LabHost): SevHostInputs {
  const privateKey = readFileSync(h.privateKeyPath, "utf8");
  return { address: h.address, port: h.port, user: h.user, privateKey, privateKeyPassphrase: h.passphrase, hostKeyFingerprint: h.hostKeyFingerprint };
}

/**
 * K lab hosts named h000, h001…, each a copy of the rome profile. rttMs > 0: each host is reached
 * through a proxy that adds that round-trip time (tools/delay-proxy.ts), and the inventory names
 * the proxies' ports: every user of the fleet, floors included, pays the same distance.
 */
export async function startFleet(k: number, rttMs = 0): Promise<Fleet> {
  const dir = join(benchDir, `fleet-${k}-${process.pid}`);
  const profiles = join(dir, "profiles");
  const names = Array.from({ length: k }, (_, i) => `h${String(i).padStart(3, "0")}`);
  for (const n of names) cpSync(join(builtinProfiles, "rome"), join(profiles, n), { recursive: true });
  const t0 = Date.now();
  const inventory = await labUp(
    names.map((n) => join(profiles, n)),
    dir,
  );
  console.error(`lab: ${k} hosts up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const proxies = rttMs > 0 ? await behindProxies(inventory, join(dir, "inventory.json"), rttMs) : [];
  const plainKey = join(dir, "client_key.plain");
  cpSync(inventory.hosts[0].privateKeyPath, plainKey);
  execFileSync("ssh-keygen", ["-q", "-p", "-P", inventory.hosts[0].passphrase, "-N", "", "-f", plainKey]);
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(
    knownHosts,
    inventory.hosts
      .map((h) => {
        const [type, key] = readFileSync(join(h.folder, "ssh", "host_key.pub"), "utf8").split(" ");
        return `[${h.address}]:${h.port} ${type} ${key}\n`;
      })
      .join(""),
  );
  const stop = () => {
    for (const p of proxies) void p.close();
    labDown(dir);
  };
  return { dir, inventory, inventoryFile: join(dir, "inventory.json"), plainKey, knownHosts, stop };
}

/** Puts a delaying proxy in front of every host and rewrites the inventory (object and file) to their ports. */
async function behindProxies(inventory: Inventory, file: string, rttMs: number): Promise<DelayProxy[]> {
  const proxies = await Promise.all(inventory.hosts.map((h) => startDelayProxy(h.port, rttMs)));
  inventory.hosts.forEach((h, i) => (h.port = proxies[i].port));
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, "utf8")) as object), hosts: inventory.hosts }, null, 2));
  console.error(`lab: every host behind a proxy adding ${rttMs} ms of round-trip time`);
  return proxies;
}

/** The lab inventory with the key that has no passphrase (what "an unencrypted key" means below). */
export function plainInventory(f: Fleet): string {
  const file = join(f.dir, "inventory.plain.json");
  const hosts = f.inventory.hosts.map(({ name, address, port, user, hostKeyFingerprint }) => ({
    name,
    address,
    port,
    user,
    hostKeyFingerprint,
    privateKeyPath: f.plainKey,
  }));
  writeFileSync(file, JSON.stringify({ hosts }, null, 2));
  return file;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

/** Runs argv; rejects with its output when it fails. */
export function run(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = repoRoot): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) =>
      code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${argv.join(" ")} exited ${code}:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`)),
    );
  });
}

/** Where each host's sshd log stands now; sessionsSince counts what came after. */
export function logMarks(hosts: LabHost[]): number[] {
  return hosts.map((h) => (existsSync(h.sshdLog) ? readFileSync(h.sshdLog).length : 0));
}

export interface Sessions {
  /** Per host, the largest number of SSH connections and exec channels seen. */
  connectionsMax: number;
  channelsMax: number;
  channelsTotal: number;
}

export function sessionsSince(hosts: LabHost[], marks: number[]): Sessions {
  let connectionsMax = 0;
  let channelsMax = 0;
  let channelsTotal = 0;
  hosts.forEach((h, i) => {
    const log = readFileSync(h.sshdLog).subarray(marks[i]).toString("utf8");
    const connections = (log.match(/Accepted publickey/g) ?? []).length;
    const channels = (log.match(/Starting session: command/g) ?? []).length;
    connectionsMax = Math.max(connectionsMax, connections);
    channelsMax = Math.max(channelsMax, channels);
    channelsTotal += channels;
  });
  return { connectionsMax, channelsMax, channelsTotal };
}

export type ProcessRole = "cli" | "program" | "provider";

export function roleOf(cmdline: string): ProcessRole | null {
  if (cmdline.includes("dynamic-provider")) return "provider";
  if (/@pulumi\/pulumi\/cmd\/run|[/\\]cmd[/\\]run[/\\]?\b/.test(cmdline) && !cmdline.includes("language")) return "program";
  if (/(^|\/)pulumi\0/.test(cmdline)) return "cli";
  return null;
}

/** Clock ticks per second of /proc/PID/stat times (Linux's USER_HZ). */
export const CLK_TCK = 100;

/** A process now: its parent, its CPU seconds so far and those of the children it reaped (user + system, from /proc/PID/stat). */
export interface ProcRow {
  pid: number;
  ppid: number;
  cpuSeconds: number;
  reapedCpuSeconds: number;
}

export function procRows(): ProcRow[] {
  const rows: ProcRow[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      rows.push({
        pid: Number(d),
        ppid: Number(f[1]),
        cpuSeconds: (Number(f[11]) + Number(f[12])) / CLK_TCK,
        reapedCpuSeconds: (Number(f[13]) + Number(f[14])) / CLK_TCK,
      });
    } catch {
      /* gone */
    }
  }
  return rows;
}

/** The processes among rows that descend from this one (this one not included). */
export function descendants(rows: { pid: number; ppid: number }[]): Set<number> {
  const mine = new Set<number>([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows)
      if (!mine.has(r.pid) && mine.has(r.ppid)) {
        mine.add(r.pid);
        grew = true;
      }
  }
  mine.delete(process.pid);
  return mine;
}

/**
 * Peak RSS (VmHWM) of the pulumi CLI, the program and the dynamic provider, sampled every 100 ms
 * among this process's descendants until stop() is called. VmHWM only grows, so the last sample of
 * a process is its peak up to then.
 */
export function sampleRss(): { stop(): Record<ProcessRole, number> } {
  const peak: Record<ProcessRole, number> = { cli: 0, program: 0, provider: 0 };
  const seen = new Map<number, ProcessRole | null>();
  const sample = () => {
    for (const pid of descendants(procRows())) {
      try {
        if (!seen.has(pid)) seen.set(pid, roleOf(readFileSync(`/proc/${pid}/cmdline`, "utf8")));
        const role = seen.get(pid);
        if (!role) continue;
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        if (hwm) peak[role] = Math.max(peak[role], Number(hwm[1]) / 1024);
      } catch {
        /* gone */
      }
    }
  };
  const timer = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export function machine(): string {
  const model = cpus()[0]?.model ?? "unknown CPU";
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  return `${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load average at start ${load}`;
}

/** Appends one result record to bench/results/<name>.jsonl (the chart and BENCHMARKS.md read them). */
export function record(name: string, row: object): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.jsonl`), JSON.stringify({ at: new Date().toISOString(), ...row }) + "\n", { flag: "a" });
}

/**
 * --trace: the SSH trace (PULUMI_SEV_TRACE, provider/effects/trace.ts) of every process started
 * from now on goes to one file; take(what) moves what was written since into
 * .lab/bench/traces/<fleet>/<what>.jsonl (kept when the fleet stops) and returns the round trips in
 * series it shows (bench/tools/round-trips.ts), or null if nothing was written.
 */
export function sshTrace(fleetDir: string, rttMs: number): { take(what: string): string | null } {
  const dir = join(benchDir, "traces", basename(fleetDir));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "trace.jsonl");
  process.env.PULUMI_SEV_TRACE = file;
  return {
    take: (what) => {
      if (!existsSync(file)) return null;
      const kept = join(dir, `${what.replace(/[^a-z0-9-]+/gi, "-")}.jsonl`);
      renameSync(file, kept);
      return `${what}: ${kept}\n${report(readTrace([kept]), rttMs)}`;
    },
  };
}

export const fmt = (s: number) => `${s.toFixed(1)} s`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
