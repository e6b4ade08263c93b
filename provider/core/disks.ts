/**
 * A guest's disk as the host has it (what the preview's batched disk check found), and the rule a
 * boot disk the user gives must meet: there, readable, a qcow2 or raw image of the declared format.
 */
import { splitSections } from "./parse/sections";

export type DiskFact =
  | { state: "missing" | "unreadable" }
  | { state: "image"; format: string; virtualSize: number | null; backingFile: string | null }
  /** The file is there but what it holds is unknown (no qemu-img on the host, or it failed): not judged. */
  | { state: "unknown"; detail: string };

/** One "disk N" section per path (sections.ts framing), in order: missing, unreadable, qemu-img's JSON, or what failed. */
export function parseDiskFacts(stdout: string, count: number): DiskFact[] {
  const bodies = new Map(
    splitSections(stdout)
      .filter((s) => s.name === "disk")
      .map((s) => [Number(s.args[0]), s.body] as const),
  );
  return Array.from({ length: count }, (_, i) => factOf(bodies.get(i)));
}

function factOf(body: string | undefined): DiskFact {
  const text = (body ?? "").trim();
  if (text === "missing" || text === "unreadable") return { state: text };
  if (text.startsWith("{")) {
    try {
      const info = JSON.parse(text) as Record<string, unknown>;
      if (typeof info["format"] === "string") {
        const backing = info["full-backing-filename"] ?? info["backing-filename"];
        return {
          state: "image",
          format: info["format"],
          virtualSize: typeof info["virtual-size"] === "number" ? info["virtual-size"] : null,
          backingFile: typeof backing === "string" ? backing : null,
        };
      }
    } catch {
      // not qemu-img's JSON: reported as unknown below
    }
  }
  return { state: "unknown", detail: text === "" ? "no answer" : text.split("\n")[0] };
}

const FORMATS = ["qcow2", "raw"];

/** Why the given boot disk cannot boot the guest, with the fix; null when it can (or cannot be told). */
export function bootDiskProblem(host: string, guest: string, path: string, declared: string, fact: DiskFact): string | null {
  const at = `${host}: guest ${guest}: boot disk ${path}`;
  if (fact.state === "missing") {
    return `${at} is not on the host (found: no such file or device; required: an existing qcow2 or raw image). Fix: put the disk there (qemu-img create, or copy the image) or correct bootDisk.path`;
  }
  if (fact.state === "unreadable") {
    return `${at} is not readable (found: the file, without read permission for the provider's user; required: readable). Fix: check its owner and mode`;
  }
  if (fact.state !== "image") return null;
  if (!FORMATS.includes(fact.format)) {
    return `${at} is a ${fact.format} image (required: qcow2 or raw). Fix: qemu-img convert -O qcow2 ${path} NEW.qcow2, and point bootDisk.path at it`;
  }
  if (fact.format !== declared) {
    return `${at} is a ${fact.format} image, declared ${declared} (bootDisk.format). Fix: set bootDisk.format to "${fact.format}"`;
  }
  return null;
}
