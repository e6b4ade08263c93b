# One round trip collects every host fact. Sent on stdin to `sh -s -- URI`; prints sections
# "@@probe NAME@@" that provider/core/parse/sections.ts reads. Keep it POSIX sh.
# `sh -s -- URI slots` prints only what a create needs under the host lock: the misc cgroup, the
# names and UUIDs of all domains, and the SEV domains. Both modes list every domain's name and UUID:
# a new guest whose name is taken is refused at preview as under the lock.
# Framing: framing.sh (sent before this script) gives `sec`, the random `tag` and `framed`, one sed
# over the whole output, so no data on the host (a domain's description, say) can forge a header.
# Few processes: a probe runs on every host at every preview, and each costs about a millisecond.
uri=$1
mode=${2:-all}
v() { virsh -c "$uri" "$@"; }
# The first line of a file, without a process.
first_line() { [ -r "$1" ] && IFS= read -r l < "$1"; [ -n "${l:-}" ] && printf '%s\n' "$l"; l=; }

facts() {
sec osrelease; first_line /proc/sys/kernel/osrelease
sec cmdline; first_line /proc/cmdline
sec kvm_amd
if [ -d /sys/module/kvm_amd/parameters ]; then
  echo loaded
  for p in sev sev_es sev_snp; do
    f=/sys/module/kvm_amd/parameters/$p
    [ -r "$f" ] && IFS= read -r val < "$f" && printf '%s=%s\n' "$p" "$val"
  done
fi
sec devices; for d in sev kvm; do [ -e "/dev/$d" ] && echo "$d"; done
# Who may open /dev/sev, and the user QEMU runs as (qemu.conf, else the distributions' defaults).
sec dev-sev-access
if [ -e /dev/sev ]; then
  stat -c 'mode %a %U %G' /dev/sev
  u=$(sed -n 's/^[[:space:]]*user[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' /etc/libvirt/qemu.conf 2>/dev/null | tail -n 1)
  [ -z "$u" ] && for c in libvirt-qemu qemu; do id "$c" >/dev/null 2>&1 && { u=$c; break; }; done
  [ -n "$u" ] && echo "qemu-user $u" && echo "qemu-groups $(id -nG "$u" 2>/dev/null)"
fi
# CPU 0's vendor and flags, and the number of sockets, in one pass over /proc/cpuinfo.
awk -v tag="$tag" '
  /^vendor_id/ && v == "" { v = $0 }
  /^flags/ && f == "" { f = $0 }
  /^physical id/ && !seen[$0]++ { n++ }
  END {
    printf "\n%s cpuinfo\n", tag; if (v != "") print v; if (f != "") print f
    printf "\n%s sockets\n%d\n", tag, n
  }' /proc/cpuinfo
sec meminfo; grep '^MemTotal:' /proc/meminfo
sec smt; first_line /sys/devices/system/cpu/smt/active
sec sev-firmware; dmesg 2>/dev/null | grep -E 'SEV(-SNP)? API:[0-9]+\.[0-9]+ build:[0-9]+' | tail -n 2
sec virsh-version; v version --daemon 2>&1
sec qemu-version; qemu-system-x86_64 --version 2>&1 | head -n 1
sec domcapabilities; v domcapabilities 2>&1
sec nodesevinfo; v nodesevinfo 2>&1
}

# A domain that cannot be read may hold a slot: it is reported, and counted as used.
read_one() {
  if ! xml=$(v dumpxml "$1" 2>/dev/null); then
    sec unreadable-domain "$1"; v dumpxml "$1" 2>&1 >/dev/null; return
  fi
  case $xml in
    *"<launchSecurity"*) sec domain "$1" "$(v domstate "$1" 2>/dev/null | head -n 1)"; printf '%s\n' "$xml" ;;
  esac
}
# Every domain's XML and state from one virsh process per 200 domains, not two per domain. Each
# answer follows a line "TAG xml|state UUID".
read_all() {
  n=0; cmds=
  for u in $uuids; do
    case $u in *[!0-9a-fA-F-]*) continue ;; esac
    cmds="$cmds echo $tag xml $u; dumpxml $u; echo $tag state $u; domstate $u;"
    n=$((n + 1))
    [ $n -lt 200 ] && continue
    v "$cmds" 2>/dev/null; n=0; cmds=
  done
  [ -z "$cmds" ] || v "$cmds" 2>/dev/null
}
# mode=sections prints a section per SEV domain; mode=failed the UUIDs whose dumpxml failed.
pick() {
  awk -v tag="$tag" -v mode="$1" '
    function flush() {
      if (u == "") return
      if (xml !~ /[^ \t\n]/) { if (mode == "failed") print u }
      else if (mode == "sections" && index(xml, "<launchSecurity")) printf "\n%s domain %s %s\n%s", tag, u, state, xml
      u = ""; xml = ""; state = ""
    }
    $1 == tag && $2 == "xml" { flush(); u = $3; kind = "xml"; next }
    $1 == tag && $2 == "state" { kind = "state"; next }
    kind == "xml" { xml = xml $0 "\n"; next }
    kind == "state" && state == "" && $0 != "" { state = $0 }
    END { flush() }'
}

domains() {
sec misc.capacity; cat /sys/fs/cgroup/misc.capacity 2>/dev/null
sec misc.current; cat /sys/fs/cgroup/machine.slice/misc.current 2>/dev/null
if ! uuids=$(v list --all --uuid 2>&1); then
  sec domain-list-failed; printf '%s\n' "$uuids"; uuids=
fi
sec names; v list --all --name 2>&1
sec uuids; printf '%s\n' "$uuids"
if [ -n "$uuids" ]; then
  all=$(read_all)
  printf '%s\n' "$all" | pick sections
  for u in $(printf '%s\n' "$all" | pick failed); do read_one "$u"; done
fi
}

claims() {
for f in /var/lib/pulumi-sev/machine-slice/*.json; do
  [ -f "$f" ] || continue
  c=${f##*/}; sec slice-claim "${c%.json}"; cat "$f"
done
}

{
  [ "$mode" = all ] && facts
  domains
  if [ "$mode" = all ]; then
    sec slice; systemctl show machine.slice -p MemoryMax -p MemoryHigh 2>&1; echo "exit=$?"
    claims
  fi
  sec end
} | framed
