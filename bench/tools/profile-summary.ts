/**
 * Bench only: the top frames of the CPU profiles profile-preload.ts wrote, per role (program,
 * provider): `node dist/bench/tools/profile-summary.js DIR [TOP] [--pid PID]`. Self time per
 * function, total time per function (a frame counted once per sample however deep it recurses),
 * and self time per place (our provider, @pulumi/pulumi, grpc/protobuf, other packages, node, GC, idle).
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type Tally = Map<string, number>;
const add = (t: Tally, k: string, ms: number) => t.set(k, (t.get(k) ?? 0) + ms);

function frameName(f: CallFrame): string {
  const url = f.url.replace(/^file:\/\//, "").replace(/.*node_modules\//, "~/").replace(/.*\/dist\//, "dist/");
  return `${f.functionName || "(anonymous)"} ${url}${url ? `:${f.lineNumber + 1}` : ""}`;
}

function placeOf(f: CallFrame): string {
  const u = f.url;
  if (!u) return f.functionName.startsWith("(") ? f.functionName : "(native)";
  if (u.startsWith("node:")) return "node";
  if (/\/dist\/provider\//.test(u) && !u.includes("node_modules/")) return "ours (dist/provider)";
  if (/\/dist\/(bench|examples)\//.test(u)) return "program";
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(u);
  return pkg ? pkg[1] : u;
}

interface Summary {
  totalMs: number;
  self: Tally;
  total: Tally;
  places: Tally;
}

function summarize(profiles: Profile[]): Summary {
  const s: Summary = { totalMs: 0, self: new Map(), total: new Map(), places: new Map() };
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    p.samples.forEach((id, i) => {
      const ms = (p.timeDeltas[i] ?? 0) / 1000;
      const leaf = byId.get(id)!;
      s.totalMs += ms;
      add(s.self, frameName(leaf.callFrame), ms);
      add(s.places, placeOf(leaf.callFrame), ms);
      const seen = new Set<string>();
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const name = frameName(byId.get(n)!.callFrame);
        if (!seen.has(name)) add(s.total, name, ms);
        seen.add(name);
      }
    });
  }
  return s;
}

function print(title: string, t: Tally, all: number, top: number): void {
  console.log(`  ${title}`);
  for (const [k, ms] of [...t.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`    ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / all).toFixed(1).padStart(5)}%  ${k}`);
}

function main(): void {
  const [dir, topArg] = process.argv.slice(2);
  const top = Number(topArg ?? 25);
  const pidArg = process.argv.indexOf("--pid");
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const byRole = new Map<string, string[]>();
  for (const f of files) {
    const [role, pid] = f.split("-");
    if (pidArg > 0 && pid !== process.argv[pidArg + 1]) continue;
    byRole.set(role, [...(byRole.get(role) ?? []), f]);
  }
  for (const [role, fs] of byRole) {
    const s = summarize(fs.map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Profile));
    const idle = s.self.get("(idle) ") ?? 0;
    const pids = new Set(fs.map((f) => f.split("-")[1]));
    console.log(`${role}: ${pids.size} process(es), ${fs.length} segments, ${s.totalMs.toFixed(0)} ms sampled, ${(s.totalMs - idle).toFixed(0)} ms busy`);
    print("self time by place", s.places, s.totalMs, top);
    print("self time", s.self, s.totalMs, top);
    print("total time", s.total, s.totalMs, top);
  }
}

main();
