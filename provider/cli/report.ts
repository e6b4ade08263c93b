/**
 * Probes every host (bounded concurrency, one SSH probe each) and accounts its SEV slots. A host
 * that cannot be probed is reported with its error; the others are still reported.
 */
import { failures, warnings, Check } from "../core/checks";
import { PoolKey, PoolSource } from "../core/capacity";
import { accountHost, PoolAccount, StackId } from "../core/slots";
import { inspect } from "../host/operations";
import { ResolvedHost } from "./inventory";
import { mapBounded } from "../core/semaphore";

export interface PoolReport {
  /** Slots (ASIDs) in the pool; null when the host does not report it (no limit is imposed). */
  total: number | null;
  source: PoolSource;
  /** Slots in use: SEV domains defined on the host in this pool, plus ASIDs the kernel (misc.current) counts beyond libvirt's running ones. */
  used: number;
  usedByThisStack: number;
  usedByOthers: number;
  /** null when the total is unknown. */
  free: number | null;
  /** used - total when more domains are defined than the pool has slots, else 0. */
  overcommittedBy: number;
  /** ASIDs in use according to the kernel (misc cgroup), when reported. */
  miscCurrent: number | null;
}

export interface Finding {
  id: string;
  verdict: "warn" | "fail";
  title: string;
  found: string;
  required: string;
  remedy: string | null;
}

export type HostStatus = "ready" | "not-ready" | "error";

export interface HostReport {
  name: string;
  address: string;
  port: number;
  status: HostStatus;
  /** Ready, and no pool over-committed. */
  ok: boolean;
  /** Why the host could not be probed (unreachable, host key refused, bad override…). */
  error: string | null;
  failedChecks: string[];
  warnings: string[];
  /** Every check that did not pass, with what was found and the fix. */
  findings: Finding[];
  /** null when the host could not be probed. */
  pools: Record<PoolKey, PoolReport> | null;
}

export interface Report {
  version: 1;
  stack: string | null;
  ok: boolean;
  summary: { hosts: number; ready: number; notReady: number; errors: number; overcommittedPools: number };
  hosts: HostReport[];
}

/** Matches no owner: XML attribute values cannot hold NUL. */
const NO_STACK: StackId = { project: "\0", stack: "\0" };

function poolReport(a: PoolAccount): PoolReport {
  const used = a.usedByOthers + a.usedByThisStack;
  return {
    total: a.total,
    source: a.source as PoolSource,
    used,
    usedByThisStack: a.usedByThisStack,
    usedByOthers: a.usedByOthers,
    free: a.free,
    overcommittedBy: a.total !== null && used > a.total ? used - a.total : 0,
    miscCurrent: a.miscCurrent,
  };
}

function finding(c: Check): Finding {
  return { id: c.id, verdict: c.verdict as Finding["verdict"], title: c.title, found: c.found, required: c.required, remedy: c.remedy };
}

export async function probeHost(host: ResolvedHost, stack: StackId | null): Promise<HostReport> {
  const base = { name: host.name, address: host.inputs.address, port: host.inputs.port ?? 22 };
  try {
    const i = await inspect(host.inputs);
    const account = accountHost(host.name, i.capacity, i.facts.sevDomains, stack ?? NO_STACK, [], "defined", i.facts.unreadableDomains);
    const pools = { sev: poolReport(account.pools.sev), sevEs: poolReport(account.pools.sevEs) };
    const failed = failures(i.checks);
    const ready = failed.length === 0;
    return {
      ...base,
      status: ready ? "ready" : "not-ready",
      ok: ready && pools.sev.overcommittedBy === 0 && pools.sevEs.overcommittedBy === 0,
      error: null,
      failedChecks: failed.map((c) => c.id),
      warnings: warnings(i.checks).map((c) => c.id),
      findings: [...failed, ...warnings(i.checks)].map(finding),
      pools,
    };
  } catch (err) {
    return { ...base, status: "error", ok: false, error: (err as Error).message, failedChecks: [], warnings: [], findings: [], pools: null };
  }
}

export async function buildReport(hosts: ResolvedHost[], stack: StackId | null, concurrency: number, onDone?: (done: number) => void): Promise<Report> {
  const reports = await mapBounded(hosts, concurrency, (h) => probeHost(h, stack), onDone);
  const pools = reports.flatMap((r) => (r.pools ? [r.pools.sev, r.pools.sevEs] : []));
  return {
    version: 1,
    stack: stack ? `${stack.project}/${stack.stack}` : null,
    ok: reports.every((r) => r.ok),
    summary: {
      hosts: reports.length,
      ready: reports.filter((r) => r.status === "ready").length,
      notReady: reports.filter((r) => r.status !== "ready").length,
      errors: reports.filter((r) => r.status === "error").length,
      overcommittedPools: pools.filter((p) => p.overcommittedBy > 0).length,
    },
    hosts: reports,
  };
}
