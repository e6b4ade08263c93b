/** The report as a table (terminal, CI logs), JSON (stable keys) or Markdown (pull-request comments). */
import { POOL_NAMES, PoolKey } from "../core/capacity";
import { HostReport, PoolReport, Report } from "./report";

const POOLS: PoolKey[] = ["sev", "sevEs"];

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

function statusText(h: HostReport): string {
  return h.status === "not-ready" ? "not ready" : h.status;
}

function overcommitLines(h: HostReport): string[] {
  if (!h.pools) return [];
  return POOLS.filter((k) => h.pools![k].overcommittedBy > 0).map((k) => {
    const p = h.pools![k];
    return `the ${POOL_NAMES[k]} pool is over-committed: ${count(p.used, "SEV domain")} defined, ${count(p.total ?? 0, "slot")} (${p.source})`;
  });
}

function summaryLine(r: Report): string {
  const parts = [`${r.summary.ready} of ${count(r.summary.hosts, "host")} ready`];
  if (r.summary.errors > 0) parts.push(`${r.summary.errors} could not be probed`);
  if (r.summary.overcommittedPools > 0) parts.push(`${count(r.summary.overcommittedPools, "pool")} over-committed`);
  return parts.join(", ") + (r.stack ? `; "this stack" is ${r.stack}` : "") + ".";
}

/** A failed check or warning with its fix, as the table and the Markdown show it. */
function findingText(f: HostReport["findings"][number]): string {
  const fix = f.remedy === null ? "" : `. Fix: ${f.remedy}`;
  return `${f.verdict === "fail" ? "failed" : "warning"} [${f.id}] ${f.title}: found ${f.found}; required ${f.required}${fix}`;
}

const num = (n: number | null) => (n === null ? "?" : String(n));

function freeText(p: PoolReport): string {
  return p.overcommittedBy > 0 ? `over by ${p.overcommittedBy}` : num(p.free);
}

function padTable(rows: string[][], rightAligned: Set<number>): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function renderTable(r: Report): string {
  const rows: string[][] = [["HOST", "STATUS", "POOL", "TOTAL", "USED", "THIS STACK", "OTHERS", "FREE", "SOURCE"]];
  for (const h of r.hosts) {
    if (!h.pools) {
      rows.push([h.name, statusText(h), "-", "-", "-", "-", "-", "-", "-"]);
      continue;
    }
    POOLS.forEach((k, i) => {
      const p = h.pools![k];
      rows.push([
        i === 0 ? h.name : "",
        i === 0 ? statusText(h) : "",
        POOL_NAMES[k],
        num(p.total),
        String(p.used),
        r.stack ? String(p.usedByThisStack) : "-",
        String(p.usedByOthers),
        freeText(p),
        p.source,
      ]);
    });
  }
  const out = [padTable(rows, new Set([3, 4, 5, 6, 7])), ""];
  for (const h of r.hosts) {
    if (h.error) out.push(`${h.name}: could not be probed: ${h.error}`);
    for (const f of h.findings) {
      out.push(`${h.name}: ${findingText(f)}`);
    }
    for (const line of overcommitLines(h)) out.push(`${h.name}: ${line}`);
  }
  if (r.hosts.some((h) => h.pools && POOLS.some((k) => h.pools![k].total === null))) {
    out.push("? = the host does not report the slot count (libvirt < 8.0, no misc cgroup): no limit is imposed; set maxGuests to enforce one.");
  }
  out.push(summaryLine(r));
  return out.join("\n") + "\n";
}

/** Keys in a fixed order, whatever order the objects were built in. */
export function renderJson(r: Report): string {
  const pool = (p: PoolReport) => ({
    total: p.total,
    source: p.source,
    used: p.used,
    usedByThisStack: p.usedByThisStack,
    usedByOthers: p.usedByOthers,
    free: p.free,
    overcommittedBy: p.overcommittedBy,
    miscCurrent: p.miscCurrent,
  });
  const host = (h: HostReport) => ({
    name: h.name,
    address: h.address,
    port: h.port,
    status: h.status,
    ok: h.ok,
    error: h.error,
    failedChecks: h.failedChecks,
    warnings: h.warnings,
    findings: h.findings.map((f) => ({ id: f.id, verdict: f.verdict, title: f.title, found: f.found, required: f.required, remedy: f.remedy })),
    pools: h.pools ? { sev: pool(h.pools.sev), sevEs: pool(h.pools.sevEs) } : null,
  });
  const s = r.summary;
  return (
    JSON.stringify(
      {
        version: r.version,
        stack: r.stack,
        ok: r.ok,
        summary: { hosts: s.hosts, ready: s.ready, notReady: s.notReady, errors: s.errors, overcommittedPools: s.overcommittedPools },
        hosts: r.hosts.map(host),
      },
      null,
      2,
    ) + "\n"
  );
}

/** A table cell: no pipes or line breaks from error messages. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

const code = (id: string) => "`" + id + "`";

function markdownStatus(h: HostReport): string {
  if (h.error) return `could not be probed: ${h.error}`;
  const parts = [h.status === "ready" ? "ready" : `not ready: ${h.failedChecks.map(code).join(", ")}`];
  if (h.warnings.length > 0) parts.push(`warning: ${h.warnings.map(code).join(", ")}`);
  parts.push(...overcommitLines(h).map((l) => `**${l}**`));
  return parts.join("; ");
}

function markdownPool(p: PoolReport, stack: boolean): string {
  const mine = stack ? `${p.usedByThisStack} this stack, ` : "";
  const free = p.overcommittedBy > 0 ? `**over by ${p.overcommittedBy}**` : p.free === null ? "no limit" : `${p.free} free`;
  return `${p.used} / ${num(p.total)} (${mine}${free})`;
}

function markdownSource(h: HostReport): string {
  if (!h.pools) return "–";
  const { sev, sevEs } = h.pools;
  return sev.source === sevEs.source ? sev.source : `sev: ${sev.source}, sev-es: ${sevEs.source}`;
}

/** Every host's failed checks and warnings with their fixes, below the table. */
function markdownFindings(r: Report): string[] {
  const items = r.hosts.flatMap((h) => h.findings.map((f) => `- **${h.name}**: ${findingText(f).replace(/\r?\n/g, " ")}`));
  return items.length === 0 ? [] : ["", "#### Findings and fixes", "", ...items];
}

export function renderMarkdown(r: Report): string {
  const lines = [
    "### SEV capacity",
    "",
    "| | Host | Status | SEV used / total | SEV-ES used / total | Source of totals |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const h of r.hosts) {
    const pools = h.pools ? POOLS.map((k) => markdownPool(h.pools![k], r.stack !== null)) : ["–", "–"];
    lines.push(`| ${h.ok ? "✅" : "❌"} | ${cell(h.name)} | ${cell(markdownStatus(h))} | ${pools.join(" | ")} | ${markdownSource(h)} |`);
  }
  lines.push(...markdownFindings(r));
  lines.push(
    "",
    summaryLine(r),
    "",
    "<sub>✅ ready and no pool over-committed · ❌ not ready (failed check ids), could not be probed, or a pool over-committed · " +
      "used / total: SEV domains defined on the host / slots (ASIDs) in the pool" +
      (r.stack ? `; "this stack" counts domains whose owner metadata is ${r.stack}` : "") +
      " · `?` the host does not report the total: no limit is imposed · source: domcapabilities, misc-cgroup, override or unknown</sub>",
  );
  return lines.join("\n") + "\n";
}

export function render(r: Report, format: "table" | "json" | "markdown"): string {
  return format === "json" ? renderJson(r) : format === "markdown" ? renderMarkdown(r) : renderTable(r);
}
