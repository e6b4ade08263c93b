# Sourced by both virsh shims (from the host's root/shims/, where lab/shims.ts copies it): drops the connection
# options (the shim knows its daemon) and applies the faults a test injects (folder faults/): a
# dumpxml that fails for the domains listed, also inside a batch ("cmd; cmd; …", as the probe reads
# every domain), a slow start, and a domcapabilities that fails.
while [ $# -gt 0 ]; do
  case $1 in
    -c|--connect) shift 2 ;;
    --connect=*|-q|--quiet|-r|--readonly) shift ;;
    *) break ;;
  esac
done
faults=$LAB_HOST/faults
case $1 in *";"*)
  if [ -f "$faults/dumpxml-fails" ]; then
    batch=$1
    while read -r d; do
      [ -n "$d" ] && batch=$(printf '%s' "$batch" | sed "s/dumpxml $d;/dumpxml lab-fault-unreadable;/g")
    done < "$faults/dumpxml-fails"
    set -- "$batch"
  fi ;;
esac
case $1 in
  dumpxml)
    for a in "$@"; do
      if [ -f "$faults/dumpxml-fails" ] && grep -qxF -- "$a" "$faults/dumpxml-fails"; then
        echo "error: internal error: cannot read the configuration of domain '$a' (lab fault)" >&2; exit 1
      fi
    done ;;
  start) [ -f "$faults/start-delay" ] && sleep "$(cat "$faults/start-delay")" ;;
  domcapabilities)
    if [ -f "$faults/domcapabilities-fails" ]; then echo "error: internal error: cannot probe the emulator's capabilities (lab fault)" >&2; exit 1; fi ;;
esac
