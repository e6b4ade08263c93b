/** memory: MiB as an integer, or a size with a binary unit that is a whole number of MiB. */
import { parseSize } from "../../memory";
import { FlavorInput, Ruled } from "../settings";

const MIB = 1024 * 1024;

export function memoryRule(input: FlavorInput): Ruled<number> {
  const v = input.flavor["memory"];
  if (typeof v === "number") return { value: Number.isSafeInteger(v) && v >= 1 ? v : undefined, problems: [] };
  if (typeof v !== "string") return { value: undefined, problems: [] };
  let bytes: number;
  try {
    bytes = parseSize(v);
  } catch (err) {
    // A malformed size is the schema's to report; a well-formed one that cannot be used is ours.
    const tooLarge = /too large/.test((err as Error).message);
    return { value: undefined, problems: tooLarge ? [{ property: "memory", reason: `memory ${JSON.stringify(v)} is too large to be a guest's memory` }] : [] };
  }
  if (bytes < MIB || bytes % MIB !== 0) {
    return { value: undefined, problems: [{ property: "memory", reason: `memory ${JSON.stringify(v)} is not a whole number of MiB (at least 1 MiB)` }] };
  }
  return { value: bytes / MIB, problems: [] };
}
