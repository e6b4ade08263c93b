# The files up creates for a guest (a root disk from a base image, empty data disks, the cloud-init
# seed) and their removal: shell functions that the define and delete scripts of effects/libvirt.ts
# put before their own text. Keep it POSIX sh. Every path is an argument, never part of the script.
# Each file gets an ownership marker beside it first (core/disks/marker.ts: /dir/.NAME.pulumi-sev,
# holding the domain UUID), so a run interrupted anywhere leaves nothing the next up cannot tell
# apart: a file with this guest's marker is taken over, any other file is never touched.
marker_of() { printf '%s/.%s.pulumi-sev' "${1%/*}" "${1##*/}"; }
is_ours() { m=$(marker_of "$1"); [ -f "$m" ] && [ "$(cat "$m" 2>/dev/null)" = "$2" ]; }

# make_file UUID KIND PATH SOURCE FORMAT SIZE_GIB ("-" where none); the seed's bytes are in $seed (base64).
make_file() {
  uuid=$1 kind=$2 p=$3 src=$4 fmt=$5 size=$6
  if [ -e "$p" ] || [ -L "$p" ]; then
    is_ours "$p" "$uuid" && return 0
    echo "$p exists and is not this guest's (no ownership marker $(marker_of "$p") holding $uuid): nothing was created. Fix: give the file another path, or remove it if it is no longer used" >&2
    return 1
  fi
  [ -d "${p%/*}" ] || { echo "cannot create $p: its folder ${p%/*} does not exist on the host. Fix: create it, or set imagesDir" >&2; return 1; }
  printf '%s\n' "$uuid" > "$(marker_of "$p")" || return 1
  printf '%s\n' "$p" >> "$made"
  sz=; [ "$size" = - ] || sz=${size}G
  case $kind in
    overlay) qemu-img create -q -f qcow2 -b "$src" -F "$fmt" "$p" $sz ;;
    copy) qemu-img convert -f "$fmt" -O qcow2 "$src" "$p" && { [ -z "$sz" ] || qemu-img resize -q "$p" "$sz"; } ;;
    blank) qemu-img create -q -f qcow2 "$p" "$sz" ;;
    # The user-data may be secret: readable by root alone (libvirt gives the QEMU user access at start).
    seed) (umask 077 && printf '%s' "$seed" | base64 -d > "$p") ;;
    *) false ;;
  esac >&2 || { echo "could not create $p ($kind of ${src#-}): see qemu-img's words above" >&2; return 1; }
}

# make_files UUID [KIND PATH SOURCE FORMAT SIZE]...: all or nothing; what this run made is listed in $made.
make_files() {
  uuid=$1; shift
  while [ "$#" -ge 5 ]; do
    make_file "$uuid" "$1" "$2" "$3" "$4" "$5" || { undo_files "$uuid"; return 1; }
    shift 5
  done
}

# Removes what this run made (a failed create leaves nothing behind).
undo_files() {
  while IFS= read -r p; do rm -f -- "$p" "$(marker_of "$p")"; done < "$made"
  : > "$made"
}

# remove_files UUID PATH...: each file that carries this guest's marker, and the marker; others stay.
remove_files() {
  uuid=$1; shift
  for p in "$@"; do is_ours "$p" "$uuid" && rm -f -- "$p" "$(marker_of "$p")"; done
  return 0
}
