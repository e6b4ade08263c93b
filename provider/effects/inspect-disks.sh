# The preview's disk check (effects/disks.ts): `sh -s -- PATH…`, after guest-files.sh and
# framing.sh. One section "disk N" per path, in order: its ownership marker first, then what
# qemu-img says of it; the backing chain is followed, bounded (a backing file on an unreachable
# server must not hang it). Framed: qemu-img's words about a path cannot forge a header.
i=0
for p in "$@"; do
  sec disk "$i"; i=$((i + 1))
  m=$(marker_of "$p")
  [ -f "$m" ] && printf 'owner %s\n' "$(head -c 64 "$m")"
  if [ ! -e "$p" ]; then echo missing
  elif [ ! -r "$p" ]; then echo unreadable
  elif command -v qemu-img >/dev/null 2>&1; then timeout 20 qemu-img info --output=json --backing-chain -U -- "$p" 2>&1 | head -c 262144
  else echo "present (no qemu-img on the host)"
  fi
done | framed
