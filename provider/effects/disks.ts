/** The preview's disk check: every path in one round trip (`sh -s`, the paths as arguments, never in the script). */
import { readFileSync } from "fs";
import { join } from "path";
import { exec, SshTarget } from "./ssh";
import { DiskFact, parseDiskFacts } from "../core/disks";

/** Shell functions of the guest's files (make_files, remove_files, marker_of: core/disks/marker.ts's rule). */
export const GUEST_FILES = readFileSync(join(__dirname, "guest-files.sh"), "utf8");
/** sec and framed: the probe's framing for any script's output (framing.sh). */
export const FRAMING = readFileSync(join(__dirname, "framing.sh"), "utf8");

/**
 * Framed as probe.sh frames its sections: qemu-img's words about a path cannot forge a header. A
 * file's ownership marker comes first; the backing chain is followed (bounded: a backing file on an
 * unreachable server must not hang it).
 */
const INSPECT_DISKS = `${GUEST_FILES}
${FRAMING}
i=0
for p in "$@"; do
  sec disk "$i"; i=$((i + 1))
  m=$(marker_of "$p")
  [ -f "$m" ] && printf 'owner %s\\n' "$(head -c 64 "$m")"
  if [ ! -e "$p" ]; then echo missing
  elif [ ! -r "$p" ]; then echo unreadable
  elif command -v qemu-img >/dev/null 2>&1; then timeout 20 qemu-img info --output=json --backing-chain -U -- "$p" 2>&1 | head -c 262144
  else echo "present (no qemu-img on the host)"
  fi
done | framed`;

export async function inspectDisks(target: SshTarget, paths: string[]): Promise<DiskFact[]> {
  if (paths.length === 0) return [];
  const r = await exec(target, ["sh", "-s", "--", ...paths], {
    stdin: INSPECT_DISKS,
    purpose: `check the guests' disks and images (${paths.length}): exist, readable, format, backing chain, owner`,
  });
  return parseDiskFacts(r.stdout, paths.length);
}
