/** The preview's disk check: every path in one round trip (`sh -s`, the paths as arguments, never in the script). */
import { exec, SshTarget } from "./ssh";
import { DiskFact } from "../core/disks";
import { parseDiskFacts } from "../core/parse/disks";
import { FRAMING, GUEST_FILES, scriptFile } from "./scripts";

export { FRAMING, GUEST_FILES };

/** inspect-disks.sh, after guest-files.sh and the framing: qemu-img's words about a path cannot forge a header. */
const INSPECT_DISKS = `${GUEST_FILES}\n${FRAMING}\n${scriptFile("inspect-disks.sh")}`;

export async function inspectDisks(target: SshTarget, paths: string[]): Promise<DiskFact[]> {
  if (paths.length === 0) return [];
  const r = await exec(target, ["sh", "-s", "--", ...paths], {
    stdin: INSPECT_DISKS,
    purpose: `check the guests' disks and images (${paths.length}): exist, readable, format, backing chain, owner`,
  });
  return parseDiskFacts(r.stdout, paths.length);
}
