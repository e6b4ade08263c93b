/** The preview's disk check: every path in one round trip (`sh -s`, the paths as arguments, never in the script). */
import { exec, SshTarget } from "./ssh";
import { DiskFact, parseDiskFacts } from "../core/disks";

/**
 * Framed as probe.sh frames its sections (a random tag, bodies escaped): qemu-img's words about a
 * path cannot forge a header. A file's ownership marker (core/disks/marker.ts) comes first; the
 * backing chain is followed (bounded: a backing file on an unreachable server must not hang it).
 */
const INSPECT_DISKS = `tag=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')
i=0
for p in "$@"; do
  printf '\\n%s disk %s\\n' "$tag" "$i"; i=$((i + 1))
  m="\${p%/*}/.\${p##*/}.pulumi-sev"
  [ -f "$m" ] && printf 'owner %s\\n' "$(head -c 64 "$m")"
  if [ ! -e "$p" ]; then echo missing
  elif [ ! -r "$p" ]; then echo unreadable
  elif command -v qemu-img >/dev/null 2>&1; then timeout 20 qemu-img info --output=json --backing-chain -U -- "$p" 2>&1 | head -c 262144
  else echo "present (no qemu-img on the host)"
  fi
done | sed -e 's/^[@\\\\]/\\\\&/' -e "s/^$tag \\\\(.*\\\\)\\$/@@probe \\\\1@@/"`;

export async function inspectDisks(target: SshTarget, paths: string[]): Promise<DiskFact[]> {
  if (paths.length === 0) return [];
  const r = await exec(target, ["sh", "-s", "--", ...paths], {
    stdin: INSPECT_DISKS,
    purpose: `check the guests' disks and images (${paths.length}): exist, readable, format, backing chain, owner`,
  });
  return parseDiskFacts(r.stdout, paths.length);
}
