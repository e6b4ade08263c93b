/**
 * A path on the host as the preview's batched disk check found it: missing, unreadable, an image
 * (qemu-img info --backing-chain), or a file qemu-img could not open; and the ownership marker
 * beside it (marker.ts), when there is one.
 */
import { splitSections } from "../parse/sections";

export type DiskFact = (
  | { state: "missing" | "unreadable" }
  | {
      state: "image";
      format: string;
      virtualSize: number | null;
      backingFile: string | null;
      /** Every file of the backing chain after the image itself, nearest first. */
      chain: string[];
    }
  /** qemu-img is there and could not open it (a broken or unreachable backing file, a damaged image): its words. */
  | { state: "unopenable"; detail: string }
  /** The file is there but what it holds is unknown (no qemu-img on the host): not judged. */
  | { state: "unknown"; detail: string }
) & {
  /** The domain UUID in the file's ownership marker; null without one. */
  owner?: string | null;
};

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
