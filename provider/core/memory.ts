/** Memory sizes the way systemd reads them (base 1024), and the machine.slice limit. */

export type Size = number | string;

const UNIT_POWER: Record<string, number> = { "": 0, b: 0, k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** "64G", "512MiB", "1.5T", "1073741824" or 1073741824 → bytes (fractions round down). */
export function parseSize(size: Size): number {
  const bytes = typeof size === "number" ? size : bytesOfText(size);
  if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`invalid size ${JSON.stringify(size)}: must be a non-negative number of bytes`);
  const whole = Math.floor(bytes);
  if (!Number.isSafeInteger(whole)) throw new Error(`invalid size ${JSON.stringify(size)}: too large`);
  return whole;
}

function bytesOfText(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgtpe]?)(i?)(b?)\s*$/i.exec(text);
  const unit = m ? m[2].toLowerCase() : "";
  // A bare "i" ("64i") or "iB" without a prefix ("64iB") is not a unit.
  if (!m || (m[3] !== "" && unit === "")) {
    throw new Error(`invalid size ${JSON.stringify(text)}: expected a number with an optional K, M, G, T, P or E suffix (base 1024)`);
  }
  return Number(m[1]) * 1024 ** UNIT_POWER[unit];
}

export interface SliceLimitSpec {
  /** The limit itself. */
  limit?: Size;
  /** Memory kept for the host: limit = MemTotal - reserve. */
  reserve?: Size;
}

/** The machine.slice limit in bytes from either a limit or a reservation (exactly one). */
export function sliceLimit(memTotalBytes: number, spec: SliceLimitSpec): number {
  if (!Number.isFinite(memTotalBytes) || memTotalBytes <= 0) throw new Error(`MemTotal ${memTotalBytes} is not a positive number of bytes`);
  const hasLimit = spec.limit !== undefined;
  const hasReserve = spec.reserve !== undefined;
  if (hasLimit === hasReserve) throw new Error("give either a memory limit or a reservation, not both or neither");
  if (hasLimit) return limitWithin(memTotalBytes, parseSize(spec.limit as Size));
  const reserve = parseSize(spec.reserve as Size);
  if (reserve >= memTotalBytes) {
    throw new Error(`reservation ${reserve} bytes is not below MemTotal ${memTotalBytes} bytes: nothing would be left for guests`);
  }
  return memTotalBytes - reserve;
}

function limitWithin(memTotalBytes: number, limit: number): number {
  if (limit <= 0) throw new Error("memory limit must be above 0 bytes");
  if (limit > memTotalBytes) throw new Error(`memory limit ${limit} bytes exceeds MemTotal ${memTotalBytes} bytes`);
  return limit;
}
