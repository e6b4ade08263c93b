/** `systemctl show machine.slice -p MemoryMax -p MemoryHigh` (plus the probe's "exit=N" line). */
import { MemoryValue, SliceFacts } from "../facts";
import { keyValues } from "./lines";

const UNAVAILABLE: SliceFacts = { available: false, memoryMax: null, memoryHigh: null };

/** "infinity" → null (no limit); digits → bytes; anything else → undefined (unreadable). */
export function memoryValueOf(raw: string | undefined): MemoryValue | undefined {
  if (raw === "infinity") return null;
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Unavailable when the probe's exit line is non-zero (systemctl missing or failing) or either
 * property is missing or unreadable. Without an exit line (a plain systemctl run) only the
 * properties count.
 */
export function parseSystemctlShow(text: string): SliceFacts {
  const props = keyValues(text);
  const exit = props.get("exit");
  if (exit !== undefined && exit !== "0") return { ...UNAVAILABLE };
  const memoryMax = memoryValueOf(props.get("MemoryMax"));
  const memoryHigh = memoryValueOf(props.get("MemoryHigh"));
  if (memoryMax === undefined || memoryHigh === undefined) return { ...UNAVAILABLE };
  return { available: true, memoryMax, memoryHigh };
}
