/** hw:mem_page_size: small (the default), large, any, or an x86_64 page size (a bare number is KiB, as in Nova). */
import { InputProblem } from "../../validate";
import { FlavorInput, flavorPath, flavorValue, Ruled } from "../settings";

/** "small" (4 KiB), "large" (the host's default huge page), "any", or an explicit size in KiB. */
export type PageSize = "small" | "large" | "any" | number;

/** x86_64 page sizes in KiB: 4 KiB, 2 MiB, 1 GiB. */
const X86_PAGE_SIZES_KIB = [4, 2048, 1048576];
const UNIT_POWER: Record<string, number> = { k: 0, m: 1, g: 2 };

function kibOf(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  if (typeof v !== "string") return undefined;
  const m = /^([0-9]+)\s*(([KkMmGg])i?[Bb]?)?$/.exec(v);
  return m ? Number(m[1]) * 1024 ** UNIT_POWER[(m[3] ?? "k").toLowerCase()] : undefined;
}

export function pageSizeRule(input: FlavorInput): Ruled<PageSize> {
  const v = flavorValue(input, "mem_page_size");
  if (v === undefined) return { value: "small", problems: [] };
  if (v === "small" || v === "large" || v === "any") return { value: v, problems: [] };
  const kib = kibOf(v);
  if (kib === undefined) return { value: undefined, problems: [] }; // the schema reports the form
  if (!X86_PAGE_SIZES_KIB.includes(kib)) {
    const reason = `hw:mem_page_size ${JSON.stringify(v)} (${kib} KiB) is not an x86_64 page size: use small, large, any, 4KB, 2MB or 1GB`;
    return { value: undefined, problems: [{ property: flavorPath("mem_page_size"), reason }] satisfies InputProblem[] };
  }
  return { value: kib === 4 ? "small" : kib, problems: [] };
}
