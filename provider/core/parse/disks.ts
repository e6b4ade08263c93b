/** The preview's batched disk check (effects/inspect-disks.sh): one framed section per path. */
import { splitSections } from "./sections";
import { DiskFact } from "../disks/facts";

/** One "disk N" section per path (sections.ts framing), in order. */
export function parseDiskFacts(stdout: string, count: number): DiskFact[] {
  const bodies = new Map(
    splitSections(stdout)
      .filter((s) => s.name === "disk")
      .map((s) => [Number(s.args[0]), s.body] as const),
  );
  return Array.from({ length: count }, (_, i) => withOwner(bodies.get(i) ?? ""));
}

const OWNER_LINE = /^owner ([0-9a-f-]{36})\n/i;

function withOwner(body: string): DiskFact {
  const owner = OWNER_LINE.exec(body);
  const fact = factOf(owner ? body.slice(owner[0].length) : body);
  return owner ? { ...fact, owner: owner[1].toLowerCase() } : fact;
}

function factOf(body: string): DiskFact {
  const text = body.trim();
  if (text === "missing" || text === "unreadable") return { state: text };
  const infos = imageInfos(text);
  if (infos !== null) return imageFact(infos);
  const detail = text === "" ? "no answer" : text.split("\n")[0];
  return /^qemu-img:/.test(text) ? { state: "unopenable", detail } : { state: "unknown", detail };
}

type Info = Record<string, unknown>;

/** qemu-img's JSON: one object, or with --backing-chain an array from the image down its chain. */
function imageInfos(text: string): Info[] | null {
  if (!text.startsWith("{") && !text.startsWith("[")) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    const infos = (Array.isArray(parsed) ? parsed : [parsed]) as Info[];
    return infos.length > 0 && typeof infos[0]?.["format"] === "string" ? infos : null;
  } catch {
    return null;
  }
}

function imageFact(infos: Info[]): DiskFact {
  const [image, ...below] = infos;
  const backing = image["full-backing-filename"] ?? image["backing-filename"];
  const chain = below.map((i) => String(i["filename"] ?? ""));
  if (chain.length === 0 && typeof backing === "string") chain.push(backing);
  return {
    state: "image",
    format: image["format"] as string,
    virtualSize: typeof image["virtual-size"] === "number" ? image["virtual-size"] : null,
    backingFile: typeof backing === "string" ? backing : null,
    chain,
  };
}
