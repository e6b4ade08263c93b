/**
 * Draws bench/fleet.svg: wall time against the number of hosts K, from bench/results/*.jsonl
 * (the latest record per K of each label; sev-capacity's of any label). `node dist/bench/chart.js [LABEL]` (default "after").
 */
import { existsSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { repoRoot } from "../lab/lab";
import { resultsDir } from "./fleet";

interface Series {
  name: string;
  color: string;
  dash?: string;
  points: [number, number][];
}

/** label null: any run but trial ones ("try"), for code no branch changed (sev-capacity). */
function latestPerK(file: string, label: string | null): Map<number, Record<string, unknown>> {
  const byK = new Map<number, Record<string, unknown>>();
  const path = join(resultsDir, file);
  if (!existsSync(path)) return byK;
  for (const line of readFileSync(path, "utf8").split("\n").filter(Boolean)) {
    const row = JSON.parse(line) as Record<string, unknown>;
    if (label === null ? row.label !== "try" : row.label === label) byK.set(row.k as number, row);
  }
  return byK;
}

function series(
  rows: Map<number, Record<string, unknown>>,
  name: string,
  color: string,
  value: (r: Record<string, unknown>) => unknown,
  dash?: string,
): Series {
  const points = [...rows.entries()]
    .filter(([, r]) => typeof value(r) === "number")
    .map(([k, r]) => [k, value(r) as number] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  return { name, color, dash, points };
}

function svg(title: string, all: Series[]): string {
  const [w, h, left, right, top, bottom] = [760, 420, 60, 230, 40, 50];
  const shown = all.filter((s) => s.points.length > 0);
  const maxK = Math.max(10, ...shown.flatMap((s) => s.points.map((p) => p[0])));
  const maxT = Math.max(1, ...shown.flatMap((s) => s.points.map((p) => p[1]))) * 1.1;
  const x = (k: number) => left + (k / maxK) * (w - left - right);
  const y = (t: number) => h - bottom - (t / maxT) * (h - top - bottom);
  const step = maxT > 100 ? 20 : maxT > 40 ? 10 : 5;
  const grid = Array.from({ length: Math.floor(maxT / step) + 1 }, (_, i) => i * step).map(
    (t) => `<line x1="${left}" x2="${w - right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
  );
  const ks = [...new Set(shown.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const ticks = ks.map((k) => `<text x="${x(k)}" y="${h - bottom + 18}" text-anchor="middle">${k}</text>`);
  const lines = shown.map((s) => {
    const d = s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    const dots = s.points.map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`).join("");
    return `<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>${dots}`;
  });
  const legend = shown.map(
    (s, i) =>
      `<line x1="${w - right + 15}" x2="${w - right + 40}" y1="${top + 10 + i * 20}" y2="${top + 10 + i * 20}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>` +
      `<text x="${w - right + 46}" y="${top + 14 + i * 20}">${s.name}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${title}</text>`,
    ...grid,
    ...ticks,
    `<text x="${(left + w - right) / 2}" y="${h - 12}" text-anchor="middle">hosts (K); preview and up with 15 guests per host</text>`,
    `<text x="16" y="${(top + h - bottom) / 2}" transform="rotate(-90 16 ${(top + h - bottom) / 2})" text-anchor="middle">seconds (median)</text>`,
    ...lines,
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}

function main(): void {
  const label = process.argv[2] ?? "after";
  const capacity = latestPerK("capacity.jsonl", null);
  const preview = latestPerK("preview.jsonl", label);
  const before = latestPerK("preview.jsonl", "before");
  const all: Series[] = [
    series(capacity, "sev-capacity", "#1f77b4", (r) => r.us),
    series(capacity, "ssh host true (floor)", "#2ca02c", (r) => r.floor),
    series(capacity, "ansible -m setup, pipelined", "#d62728", (r) => r.ansible),
    series(preview, "pulumi preview (K×15)", "#9467bd", (r) => r.us),
    series(preview, "preview, empty resources", "#8c564b", (r) => r.empty, "5,4"),
    series(before, "preview before (main)", "#7f7f7f", (r) => r.us, "2,3"),
  ];
  const file = join(repoRoot, "bench", "fleet.svg");
  writeFileSync(file, svg("pulumi-sev on K lab hosts: time against K", all));
  console.log(`wrote ${file}`);
}

main();
