# Lab shim, never on a real host: the libvirt test driver answers neither domcapabilities nor
# a QEMU version, so those come from the profile; every other command goes to this host's libvirtd
# through the lab's own virsh. Set by the header (lab/shims.ts): LAB_HOST, LAB_VIRSH, LAB_LIBS.
. "$LAB_HOST/root/versions"
export LD_LIBRARY_PATH="$LAB_LIBS"
VIRSH=$LAB_VIRSH
real() { "$VIRSH" -c 'test+unix:///default?socket=/run/libvirt/libvirt-sock' "$@"; }
# The ASID pool of a launchSecurity type and policy, or nothing: root/pools holds "TYPE ES POOL"
# lines from the provider's model descriptors (ES "-": the type's one model; else 1 when the
# policy has the ES bit, 0 when not).
pool_of() {
  es=0; [ $(( ${2:-0} & 4 )) -ne 0 ] && es=1
  while read -r pt pe pp; do
    [ "$pt" = "$1" ] && { [ "$pe" = - ] || [ "$pe" = "$es" ]; } && { echo "$pp"; return; }
  done < "$LAB_HOST/root/pools"
}
# "TYPE POLICY" of each domain XML on stdin (each after a line "@@dom"); TYPE is "-" without launchSecurity.
params() {
  awk '/^@@dom$/ { if (n) print t, p; n = 1; t = "-"; p = 0; next }
    t == "-" && /<launchSecurity/ { if (match($0, /type=.[a-z-]+/)) t = substr($0, RSTART + 6, RLENGTH - 6) }
    /<policy>0x/ && p == 0 { if (match($0, /0x[0-9a-fA-F]+/)) p = substr($0, RSTART, RLENGTH) }
    END { if (n) print t, p }'
}
# Simulated SEV firmware: the launch measurement of a running SEV or SEV-ES guest. Real firmware
# returns an HMAC over the launch digest plus a 16-byte nonce; here a SHA-256 of the domain's
# launchSecurity element and a nonce derived from its UUID stand in (48 bytes, base64), stable per launch.
measure() {
  { printf '%s' "$2" | sed -n '/<launchSecurity/,/<\/launchSecurity>/p' | openssl dgst -sha256 -binary
    printf '%s' "$1" | openssl dgst -md5 -binary; } | base64 -w 0
}
# virsh domuuid looks a domain up by name or id only: the UUID comes from its XML.
uuid_of() { real dumpxml "$1" | sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p' | head -n 1; }
last_arg() { for a in "$@"; do case $a in --*) ;; *) l=$a ;; esac; done; echo "$l"; }
launch_sec_info() {
  state=$(real domstate "$1") || return 1
  case $state in running|paused) ;; *)
    echo "error: Unable to get launch security parameters" >&2
    echo "error: Requested operation is not valid: domain is not running" >&2; return 1 ;;
  esac
  xml=$(real dumpxml "$1")
  policy=$(echo "$xml" | grep -o '<policy>0x[0-9a-fA-F]*' | head -n 1 | cut -d '>' -f 2)
  case $xml in
    *"type='sev-snp'"*) printf '%-15s: %s\n' sev-snp-policy $(( policy )) ;;
    *"<launchSecurity"*)
      printf '%-15s: %s\n' sev-measurement "$(measure "$(uuid_of "$1")" "$xml")" sev-api-major "$API_MAJOR" \
        sev-api-minor "$API_MINOR" sev-build-id "$BUILD_ID" sev-policy $(( policy )) ;;
    *) echo "error: Unable to get launch security parameters" >&2
       echo "error: Operation not supported: launch security is not enabled" >&2; return 1 ;;
  esac
}
# Injecting a launch secret: the firmware is simulated, so what virsh was given is recorded.
set_launch_sec_state() {
  hdr=; secret=; addr=none; dom=
  while [ $# -gt 0 ]; do
    case $1 in
      --secrethdr) hdr=$2; shift 2 ;;
      --secret) secret=$2; shift 2 ;;
      --set-address) addr=$2; shift 2 ;;
      --domain) dom=$2; shift 2 ;;
      *) dom=$1; shift ;;
    esac
  done
  if [ "$(real domstate "$dom")" != paused ]; then
    echo "error: Unable to set launch security state" >&2
    echo "error: Requested operation is not valid: domain is not paused" >&2; return 1
  fi
  case $(real dumpxml "$dom") in *"<launchSecurity type='sev'"*) ;; *)
    echo "error: Unable to set launch security state" >&2
    echo "error: Operation not supported: setting a launch secret is only supported in SEV guests" >&2; return 1 ;;
  esac
  printf '%s header=%s secret=%s set-address=%s\n' "$(uuid_of "$dom")" "$(cat "$hdr")" "$(cat "$secret")" "$addr" \
    >> "$LAB_HOST/state/launch-secrets.log"
}
. "$LAB_HOST/root/shims/faults.sh"
case $1 in
  domcapabilities) exec cat "$LAB_HOST/root/domcapabilities.xml" ;;
  nodesevinfo)
    [ -f "$LAB_HOST/root/nodesevinfo" ] && exec cat "$LAB_HOST/root/nodesevinfo"
    echo "error: Unable to get host SEV information" >&2
    echo "error: Operation not supported: QEMU does not support SEV guest" >&2
    exit 1 ;;
  domlaunchsecinfo) shift; launch_sec_info "$(last_arg "$@")"; exit $? ;;
  domsetlaunchsecstate) shift; set_launch_sec_state "$@"; exit $? ;;
  version)
    printf 'Compiled against library: libvirt %s\nUsing library: libvirt %s\nUsing API: QEMU %s\nRunning hypervisor: QEMU %s\n' "$LIBVIRT" "$LIBVIRT" "$LIBVIRT" "$QEMU"
    [ "$2" = --daemon ] && printf 'Running against daemon: %s\n' "$LIBVIRT"
    exit 0 ;;
  start)
    # Simulated SEV hardware: QEMU fails to start a guest whose ASID pool (misc.capacity) is full.
    dom=$(for a in "$@"; do case $a in start|--*) ;; *) echo "$a" ;; esac; done | tail -n 1)
    pool=$({ echo @@dom; real dumpxml "$dom" 2>/dev/null; } | params | { read -r t p; pool_of "$t" "$p"; })
    cap=$(sed -n "s/^$pool //p" "$LAB_HOST/root/cgroup/misc.capacity" 2>/dev/null)
    if [ -n "$pool" ] && [ -n "$cap" ]; then
      # The running domains' XML from one virsh process: this start is not the benchmarks' bottleneck.
      used=0
      running=$(real list --uuid)
      [ -n "$running" ] && for tp in $(real "$(for u in $running; do printf 'echo @@dom; dumpxml %s; ' "$u"; done)" 2>/dev/null | params | tr ' ' :); do
        [ "$(pool_of "${tp%%:*}" "${tp#*:}")" = "$pool" ] && used=$((used + 1))
      done
      if [ "$used" -ge "$cap" ]; then
        echo "error: Failed to start domain '$dom'" >&2
        echo "error: internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: sev_guest_init: failed to initialize ret=-16 fw_error=0 ''" >&2
        exit 1
      fi
    fi
    # The test driver cannot start a domain paused: start it, then pause it, as QEMU -S leaves it.
    case " $* " in *" --paused "*) real start "$dom" && real suspend "$dom" >/dev/null; exit $? ;; esac ;;
  undefine)
    # The test driver rejects --nvram (it keeps no UEFI variable stores): drop the flag.
    shift; set -- undefine $(for a in "$@"; do [ "$a" = --nvram ] || echo "$a"; done) ;;
esac
exec "$VIRSH" -c 'test+unix:///default?socket=/run/libvirt/libvirt-sock' "$@"
