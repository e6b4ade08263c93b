/**
 * What the host lock's holder (effects/lock.sh) prints: the section "first" (what ran first under
 * the lock: the probe's slot count, itself framed by probe.sh) and then the ready line. Both framed
 * as probe.sh frames its sections, the first command's output too, so nothing the host prints (a
 * domain's description holding "@@probe locked@@" or "@@locked@@") can look like the ready line.
 */
import { bodyOf, splitSections } from "./sections";

/** The line that says the lock is held: a section header, which no framed body line can be. */
export const LOCK_READY = "@@probe locked@@";

/** True once the lock's output so far holds its ready line. */
export function lockHeld(stdout: string): boolean {
  return stdout.replace(/\r\n?/g, "\n").split("\n").includes(LOCK_READY);
}

/** What the first command printed under the lock, restored exactly ("" when there was none). */
export function firstOutput(stdout: string): string {
  const sections = splitSections(stdout);
  if (!sections.some((s) => s.name === "locked")) return "";
  return bodyOf(sections, "first");
}
