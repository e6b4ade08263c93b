/**
 * What the scripts that change a domain print (effects/stop-and-undefine.sh, undefine.sh,
 * inject-launch-secret.sh): one section per step done, framed as probe.sh frames its sections, so
 * no virsh output or domain data can claim a step. Their failures are their exit status and stderr.
 */
import { splitSections } from "./sections";

/** How stop-and-undefine found the domain stopped: not there, already off, after a shutdown, or by a hard stop. */
export type StoppedBy = "absent" | "was-off" | "shutdown" | "destroyed";
const STOPPED_BY: readonly string[] = ["absent", "was-off", "shutdown", "destroyed"];

export interface RemovalOutcome {
  /** null when the script did not say (it stopped nothing, or ran no stop). */
  stopped: StoppedBy | null;
  /** The definition was removed. */
  undefined: boolean;
  /** The guest's files were removed (those carrying its marker). */
  removed: boolean;
}

export function parseRemoval(stdout: string): RemovalOutcome {
  const sections = splitSections(stdout);
  const how = sections.find((s) => s.name === "stopped")?.args[0] ?? "";
  return {
    stopped: STOPPED_BY.includes(how) ? (how as StoppedBy) : null,
    undefined: sections.some((s) => s.name === "undefined"),
    removed: sections.some((s) => s.name === "removed"),
  };
}

/** True when inject-launch-secret.sh says virsh took the secret. */
export function secretInjected(stdout: string): boolean {
  return splitSections(stdout).some((s) => s.name === "injected");
}
