# Lab shim for systemd (absent here): show and set-property on machine.slice, kept in a state file.
# Set by the header (lab/shims.ts): LAB_HOST.
state=$LAB_HOST/state/machine.slice
cmd=$1; unit=$2
[ "$unit" = machine.slice ] || { echo "Unit $unit could not be found." >&2; exit 1; }
bytes() {
  case $1 in
    infinity) echo infinity ;;
    *[!0-9KMGTkmgt]*|'') return 1 ;;
    *[Kk]) echo $(( ${1%?} * 1024 )) ;;
    *[Mm]) echo $(( ${1%?} * 1048576 )) ;;
    *[Gg]) echo $(( ${1%?} * 1073741824 )) ;;
    *[Tt]) echo $(( ${1%?} * 1099511627776 )) ;;
    *) echo "$1" ;;
  esac
}
case $cmd in
  show)
    shift 2
    while [ $# -gt 0 ]; do
      [ "$1" = -p ] && { grep "^$2=" "$state"; shift 2; continue; }
      shift
    done ;;
  set-property)
    shift 2
    for kv in "$@"; do
      k=${kv%%=*}; v=${kv#*=}
      case $k in MemoryMax|MemoryHigh) ;; *) echo "Unknown assignment: $kv" >&2; exit 1 ;; esac
      b=$(bytes "$v") || { echo "Failed to parse $k= value '$v'" >&2; exit 1; }
      grep -v "^$k=" "$state" > "$state.new"; echo "$k=$b" >> "$state.new"; mv "$state.new" "$state"
      echo "$(date -u +%FT%TZ) set-property machine.slice $k=$b" >> "$LAB_HOST/state/systemctl.log"
    done ;;
  *) echo "systemctl (lab shim): only 'show' and 'set-property' of machine.slice" >&2; exit 1 ;;
esac
