/**
 * What the define before a start-and-read (effects/define.sh, then start-and-read.sh) prints: the
 * section "defined" once `virsh define` has written the definition, then start-and-read's sections
 * (./domain-now.ts). Framed as probe.sh frames its sections: a domain XML or description holding
 * "@@probe defined@@" is data.
 */
import { DomainNow, parseDomainNow } from "./domain-now";
import { splitSections } from "./sections";

/** True once the output so far says the definition is written (the host lock may go). */
export function definedIn(stdout: string): boolean {
  return splitSections(stdout).some((s) => s.name === "defined");
}

/** The domain as start-and-read found it; read as nothing when the define's mark is missing. */
export function parseDefineStartAndRead(stdout: string): DomainNow {
  return parseDomainNow(definedIn(stdout) ? stdout : "");
}
