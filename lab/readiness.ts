/** Prints a `readiness` stack output (one host or several) as a table. */
interface Row {
  host: string;
  ready: boolean;
  sevSlots: number | null;
  sevEsSlots: number | null;
  warnings: string[];
  machineSliceLimit: string | null;
}

const parsed = JSON.parse(process.argv[2] ?? "[]") as Row | Row[];
const rows = Array.isArray(parsed) ? parsed : [parsed];
const cells = rows.map((r) => [
  r.host,
  r.ready ? "ready" : "NOT READY",
  String(r.sevSlots ?? "unknown"),
  String(r.sevEsSlots ?? "unknown"),
  r.machineSliceLimit ?? "-",
  r.warnings.join(",") || "-",
]);

const head = ["host", "SEV", "sev slots", "sev-es slots", "machine.slice", "warnings"];
const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
for (const r of [head, ...cells]) console.log(r.map((c, i) => c.padEnd(w[i])).join("  "));
