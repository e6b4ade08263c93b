/** cgroup v2 misc controller files: misc.capacity (root) and misc.current ("sev 509\nsev_es 0"). */
import { MiscCgroupFacts } from "../facts";
import { linesOf } from "./lines";

/** "name count" lines to a map ("max" and other non-numbers are skipped). */
function countsOf(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of linesOf(text)) {
    const [name, value] = line.split(/\s+/);
    if (name && value && /^\d+$/.test(value)) counts.set(name, Number(value));
  }
  return counts;
}

/** null when both files were empty or absent: the kernel has no misc controller (before 5.13). */
export function parseMiscCgroup(capacityText: string, currentText: string): MiscCgroupFacts | null {
  if (capacityText.trim() === "" && currentText.trim() === "") return null;
  const capacity = countsOf(capacityText);
  const current = countsOf(currentText);
  return {
    sev: { capacity: capacity.get("sev") ?? null, current: current.get("sev") ?? null },
    sevEs: { capacity: capacity.get("sev_es") ?? null, current: current.get("sev_es") ?? null },
  };
}
