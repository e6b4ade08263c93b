/**
 * The shell scripts the provider runs on a host: files beside this module (provider/effects/*.sh,
 * copied to dist by scripts/gen-types.mjs and shipped in the package), read once. Every script
 * prints only framed sections on its standard output (framing.sh; core/parse/sections.ts reads
 * them), and every user-supplied value reaches it as an argument or a quoted here-document, never
 * as part of its text.
 */
import { readFileSync } from "fs";
import { join } from "path";

/** The text of provider/effects/NAME. */
export function scriptFile(name: string): string {
  return readFileSync(join(__dirname, name), "utf8");
}

/** sec, framed and run_framed: the probe's framing for any script's output (framing.sh). */
export const FRAMING = scriptFile("framing.sh");
/** Shell functions of the guest's files (make_files, remove_files, marker_of: core/disks/marker.ts's rule). */
export const GUEST_FILES = scriptFile("guest-files.sh");

/**
 * A script as one line (commands joined by "; ", comment lines dropped), for `sh -c` where sudoers
 * must name the command: the file must hold one complete command per line.
 */
export function oneLine(script: string): string {
  return script
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .join("; ");
}
