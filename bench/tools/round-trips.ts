/**
 * Round trips taken in series, per host and per operation, from an SSH trace (PULUMI_SEV_TRACE,
 * provider/effects/trace.ts): `node dist/bench/tools/round-trips.js TRACE... [--rtt MS] [--per-host] [--json]`.
 *
 * Each exchange with a host is an interval: a connection's set-up, an exec channel (from the moment
 * it may open: after its connection and its place among the connection's channels), a lock hold up
 * to its ready line, a hold's release. An operation's round trips in series are the length of the
 * union of its exchanges' intervals over the RTT: exchanges that wait on one another add up, those
 * that overlap count once. That is a measurement (run it behind bench/tools/delay-proxy.ts, whose
 * RTT is --rtt); beside it each exchange is counted from its structure: a channel open and the exec
 * request are one round trip each, a command that reads stdin waits one more (sshd opens a session
 * channel with no window and grants it as it accepts the exec: the stdin cannot go sooner), a hold
 * is ready after its open and exec (plus what its command waits for, e.g. the lock), and
 * a release takes one (end of input, the command's exit and close).
 */
import { readFileSync } from "fs";

export interface TraceEvent {
  t: number;
  ms: number;
  kind: "connect" | "exec" | "hold" | "release" | "operation";
  host: string;
  op: string;
  resource?: string;
  purpose: string;
  steps: Record<string, number>;
  pid: number;
  stdin?: number;
  error?: string;
}

export function readTrace(files: string[]): TraceEvent[] {
  return files.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as TraceEvent),
  );
}

/** The part of an exchange spent with the host: after waiting for its connection and its channel budget. */
function interval(e: TraceEvent): [number, number] {
  const from = e.steps.channel ?? 0;
  return [e.t + from, e.t + e.ms];
}

/**
 * A connection's set-up with ssh2: the key exchange (2: the versions and KEXINITs cross, then the
 * ECDH exchange), the userauth service request, the public key's query and its signature. The TCP
 * handshake (one more on a real network) is not seen through the delay proxy. Measured: 4.8 at
 * 50 ms RTT (bench/tools/exchange-rtts.ts).
 */
export const CONNECT_RTTS = 5;

/** The round trips an exchange takes by the protocol (see the header). */
export function structural(e: TraceEvent): number {
  if (e.kind === "exec") return 2 + ((e.stdin ?? 0) > 0 ? 1 : 0);
  if (e.kind === "hold") return 2;
  if (e.kind === "release") return 1;
  if (e.kind === "connect") return CONNECT_RTTS;
  return 0;
}

/**
 * Where an exchange's round trips are: up to its first output (what a caller waiting for a step of a
 * longer command waits for; the rest of the command's run costs no round trip: its output and exit
 * come unasked).
 */
function head(e: TraceEvent): [number, number] {
  const [from, to] = interval(e);
  return e.steps.output !== undefined ? [from, Math.min(to, e.t + e.steps.output)] : [from, to];
}

/** The heaviest chain of exchanges that follow one another (none overlapping): the critical path, by structure. */
export function structuralSeries(es: TraceEvent[]): number {
  const xs = es.map((e) => ({ iv: head(e), w: structural(e) })).sort((a, b) => a.iv[1] - b.iv[1]);
  const best: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    // The last exchange that ended before this one started (binary search on the ends).
    let lo = 0;
    let hi = i - 1;
    let j = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid].iv[1] <= xs[i].iv[0]) {
        j = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    best.push(Math.max(i > 0 ? best[i - 1] : 0, xs[i].w + (j >= 0 ? best[j] : 0)));
  }
  return best.length ? best[best.length - 1] : 0;
}

/** The length of the union of the intervals, in ms. */
export function unionMs(xs: [number, number][]): number {
  const s = [...xs].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [a, b] = [-Infinity, -Infinity];
  for (const [x, y] of s) {
    if (x > b) {
      total += b - a > 0 ? b - a : 0;
      [a, b] = [x, y];
    } else b = Math.max(b, y);
  }
  return total + (b - a > 0 ? b - a : 0);
}

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const exchanges = (es: TraceEvent[]) => es.filter((e) => e.kind !== "operation");

export interface OperationSummary {
  operation: string;
  hosts: number;
  /** Calls of the operation (provider methods) per host, and the exchanges made in their name: medians over hosts. */
  callsPerHost: number;
  exchangesPerHost: number;
  /**
   * Round trips in series of all the operation's exchanges with one host, measured (the union of
   * their intervals over the RTT) and by structure (the heaviest chain of exchanges that follow one
   * another): medians over hosts, and the largest.
   */
  seriesPerHost: number;
  seriesPerHostMax: number;
  structuralPerHost: number;
  structuralPerHostMax: number;
  /** The host's series divided by its calls of the operation: what each call adds in series (medians over hosts). */
  seriesPerCall: number;
  structuralPerCall: number;
  /** One call's own exchanges (those made in its name) in series, by structure: median and largest over calls. */
  ownStructuralPerCall: number;
  ownStructuralPerCallMax: number;
  /** A call's whole time over the RTT: median (includes waiting on exchanges made for other calls, and CPU). */
  wallPerCall: number;
  /** All calls' time added up, in seconds: what the engine waited for where it makes the calls one at a time (checks). */
  wallTotalSeconds: number;
}

export interface ExchangeSummary {
  kind: string;
  purpose: string;
  count: number;
  /** Median time with the host (ms) and in RTTs; the structural count. */
  ms: number;
  rtts: number;
  structural: number;
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** A purpose without what names one guest (its UUID, a count), so that like exchanges are counted together. */
const generic = (purpose: string) => purpose.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/gi, "<uuid>").replace(/\(\d+\)/g, "(n)");

const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);

/** Per operation (over hosts) and per kind of exchange; rttMs 0: measured round trips are NaN (structure only). */
export function summarize(
  events: TraceEvent[],
  rttMs: number,
): { operations: OperationSummary[]; exchanges: ExchangeSummary[]; perHost: Record<string, Record<string, [number, number]>> } {
  const per = (ms: number) => (rttMs > 0 ? ms / rttMs : NaN);
  const operations: OperationSummary[] = [];
  const perHost: Record<string, Record<string, [number, number]>> = {};
  const withHost = events.filter((e) => e.host !== "-");
  for (const [operation, es] of [...groupBy(withHost, (e) => e.op)].sort()) {
    // A host in one process: two runs (two processes) against a host are two series.
    const hosts = [...groupBy(es, (e) => `${e.pid}\0${e.host}`).values()].map((hs) => {
      const x = exchanges(hs);
      const calls = hs.filter((e) => e.kind === "operation").length;
      const measured = per(unionMs(x.map(interval)));
      const structure = structuralSeries(x);
      (perHost[hs[0].host] ??= {})[operation] = [measured, structure];
      return { calls, exchanges: x.length, measured, structure };
    });
    const own = [...groupBy(exchanges(es), (e) => `${e.pid}\0${e.host}\0${e.resource ?? ""}`).values()].map(structuralSeries);
    const perCall = (v: number, calls: number) => (calls > 0 ? v / calls : v);
    operations.push({
      operation,
      hosts: new Set(es.map((e) => e.host)).size,
      callsPerHost: median(hosts.map((h) => h.calls)),
      exchangesPerHost: median(hosts.map((h) => h.exchanges)),
      seriesPerHost: median(hosts.map((h) => h.measured)),
      seriesPerHostMax: max(hosts.map((h) => h.measured)),
      structuralPerHost: median(hosts.map((h) => h.structure)),
      structuralPerHostMax: max(hosts.map((h) => h.structure)),
      seriesPerCall: median(hosts.map((h) => perCall(h.measured, h.calls))),
      structuralPerCall: median(hosts.map((h) => perCall(h.structure, h.calls))),
      ownStructuralPerCall: median(own),
      ownStructuralPerCallMax: max(own),
      wallPerCall: median(es.filter((e) => e.kind === "operation").map((e) => per(e.ms))),
      wallTotalSeconds: es.filter((e) => e.kind === "operation").reduce((a, e) => a + e.ms, 0) / 1000,
    });
  }
  const byKind = groupBy(exchanges(events), (e) => `${e.kind}\0${generic(e.purpose)}\0${structural(e)}`);
  const exchangeRows = [...byKind].sort().map(([, xs]) => {
    const ms = median(xs.map((e) => interval(e)[1] - interval(e)[0]));
    const stdin = xs[0].kind === "exec" && (xs[0].stdin ?? 0) > 0 ? " (stdin)" : "";
    return { kind: xs[0].kind, purpose: generic(xs[0].purpose) + stdin, count: xs.length, ms, rtts: per(ms), structural: structural(xs[0]) };
  });
  return { operations, exchanges: exchangeRows, perHost };
}

const n1 = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(1));

export function report(events: TraceEvent[], rttMs: number, perHostToo = false): string {
  const { operations, exchanges: rows, perHost } = summarize(events, rttMs);
  const out: string[] = [];
  out.push(`round trips in series, measured${rttMs > 0 ? ` (time with the host / ${rttMs} ms)` : " (no --rtt: -)"} and by structure; medians over hosts (largest):`);
  out.push("operation | hosts | calls/host | exchanges/host | per host: measured (max), structure (max) | per call: measured, structure | a call's own, structure (max) | call wall / RTT | calls' wall added up");
  for (const o of operations)
    out.push(
      `${o.operation} | ${o.hosts} | ${n1(o.callsPerHost)} | ${n1(o.exchangesPerHost)} | ${n1(o.seriesPerHost)} (${n1(o.seriesPerHostMax)}), ${n1(o.structuralPerHost)} (${n1(o.structuralPerHostMax)}) | ` +
        `${n1(o.seriesPerCall)}, ${n1(o.structuralPerCall)} | ${n1(o.ownStructuralPerCall)} (${n1(o.ownStructuralPerCallMax)}) | ${n1(o.wallPerCall)} | ${o.wallTotalSeconds.toFixed(2)} s`,
    );
  out.push("exchanges: kind | purpose | count | median ms with the host | RTTs measured | RTTs by structure");
  for (const r of rows) out.push(`${r.kind} | ${r.purpose} | ${r.count} | ${r.ms.toFixed(1)} | ${n1(r.rtts)} | ${n1(r.structural)}`);
  if (perHostToo) {
    out.push("per host, round trips in series per operation (measured / structure):");
    for (const [h, ops] of Object.entries(perHost).sort())
      out.push(
        `${h}: ${Object.entries(ops)
          .map(([o, [m, st]]) => `${o} ${n1(m)} / ${n1(st)}`)
          .join(", ")}`,
      );
  }
  return out.join("\n");
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const rttAt = args.indexOf("--rtt");
  const rtt = rttAt >= 0 ? Number(args[rttAt + 1]) : 0;
  const files = args.filter((a, i) => !a.startsWith("--") && !(rttAt >= 0 && i === rttAt + 1));
  if (files.length === 0) {
    console.error("usage: round-trips.js TRACE... [--rtt MS] [--per-host] [--json]");
    process.exit(2);
  }
  const events = readTrace(files);
  if (args.includes("--json")) console.log(JSON.stringify(summarize(events, rtt), null, 2));
  else console.log(report(events, rtt, args.includes("--per-host")));
}
