# Stop and undefine (effects/libvirt.ts): `sh -s -- URI ID SECONDS [PATH…]`, after guest-files.sh
# and framing.sh. Stops the domain (ACPI shutdown, then a hard stop after SECONDS; at once when
# libvirt refuses the shutdown) and undefines it, if it exists, then removes the files up made
# for the guest (those carrying its ownership marker; never a base image or a user's disk): one
# round trip. Sections (core/parse/outcome.ts): "stopped HOW" (absent, was-off, shutdown,
# destroyed), "undefined", "removed". Exits non-zero, virsh's words on stderr, when a step fails.
uri=$1; id=$2; wait=$3
v() { virsh -c "$uri" "$@"; }
stop_and_undefine() {
  if ! state=$(v domstate "$id" 2>&1); then
    case $state in *"ailed to get domain"*|*"omain not found"*|*"no domain with matching"*) sec stopped absent; return 0 ;; esac
    echo "$state" >&2; return 1
  fi
  state=$(printf '%s\n' "$state" | head -n 1)
  how=was-off
  if [ "$state" != "shut off" ]; then
    how=shutdown
    # libvirt refuses to shut down a paused guest ("domain is not running"): no wait for what cannot come.
    if v shutdown "$id" >/dev/null 2>&1; then
      i=0
      while [ "$i" -lt "$wait" ] && [ "$(v domstate "$id" 2>/dev/null | head -n 1)" != "shut off" ]; do sleep 1; i=$((i + 1)); done
    fi
    if [ "$(v domstate "$id" 2>/dev/null | head -n 1)" != "shut off" ]; then
      how=destroyed; v destroy "$id" >/dev/null || return 1
    fi
  fi
  sec stopped "$how"
  v undefine --nvram "$id" >/dev/null || return 1
  sec undefined
}
main() {
  stop_and_undefine || return 1
  shift 3; remove_files "$id" "$@" && sec removed
}
run_framed main "$@"
