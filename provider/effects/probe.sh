# One round trip collects every host fact. Sent on stdin to `sh -s -- URI`; prints sections
# "@@probe NAME@@" that provider/core/parse/sections.ts reads. Keep it POSIX sh.
# `sh -s -- URI slots` prints only what a create needs under the host lock: the misc cgroup, the
# names and UUIDs of all domains, and the SEV domains.
# Every body goes through esc: a body line starting with "@" or "\" gets a "\" in front, so no
# data on the host (a domain's description, say) can forge a section header.
uri=$1
mode=${2:-all}
sec() { printf '\n@@probe %s@@\n' "$*"; }
esc() { sed 's/^[@\\]/\\&/'; }
v() { virsh -c "$uri" "$@"; }

if [ "$mode" = all ]; then
sec osrelease; cat /proc/sys/kernel/osrelease 2>/dev/null | esc
sec cmdline; cat /proc/cmdline 2>/dev/null | esc
sec kvm_amd
if [ -d /sys/module/kvm_amd/parameters ]; then
  echo loaded
  for p in sev sev_es sev_snp; do
    f=/sys/module/kvm_amd/parameters/$p
    [ -r "$f" ] && printf '%s=%s\n' "$p" "$(cat "$f")"
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
sec cpuinfo; grep -m1 '^vendor_id' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo
sec meminfo; grep '^MemTotal:' /proc/meminfo
sec smt; cat /sys/devices/system/cpu/smt/active 2>/dev/null
sec sockets; grep '^physical id' /proc/cpuinfo | sort -u | wc -l
sec sev-firmware; dmesg 2>/dev/null | grep -E 'SEV(-SNP)? API:[0-9]+\.[0-9]+ build:[0-9]+' | tail -n 2 | esc
sec virsh-version; v version --daemon 2>&1 | esc
sec qemu-version; qemu-system-x86_64 --version 2>&1 | head -n 1 | esc
sec domcapabilities; v domcapabilities 2>&1 | esc
sec nodesevinfo; v nodesevinfo 2>&1 | esc
fi
sec misc.capacity; cat /sys/fs/cgroup/misc.capacity 2>/dev/null
sec misc.current; cat /sys/fs/cgroup/machine.slice/misc.current 2>/dev/null
if ! uuids=$(v list --all --uuid 2>&1); then
  sec domain-list-failed; printf '%s\n' "$uuids" | esc; uuids=
fi
if [ "$mode" = slots ]; then
  sec names; v list --all --name 2>&1 | esc
  sec uuids; printf '%s\n' "$uuids" | esc
fi
if [ "$mode" = all ]; then
sec slice; { systemctl show machine.slice -p MemoryMax -p MemoryHigh 2>&1; echo "exit=$?"; } | esc
fi
# A domain that cannot be read may hold a slot: it is reported, and counted as used.
read_one() {
  if ! xml=$(v dumpxml "$1" 2>/dev/null); then
    sec unreadable-domain "$1"; v dumpxml "$1" 2>&1 >/dev/null | esc; return
  fi
  case $xml in
    *"<launchSecurity"*) sec domain "$1" "$(v domstate "$1" 2>/dev/null | head -n 1)"; printf '%s\n' "$xml" | esc ;;
  esac
}
# Every domain's XML and state from one virsh process per 200 domains, not two per domain. Each
# answer follows a line "TAG xml|state UUID"; TAG is random, so no domain's XML can forge one.
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
      else if (mode == "sections" && index(xml, "<launchSecurity")) printf "\n@@probe domain %s %s@@\n%s", u, state, xml
      u = ""; xml = ""; state = ""
    }
    $1 == tag && $2 == "xml" { flush(); u = $3; kind = "xml"; next }
    $1 == tag && $2 == "state" { kind = "state"; next }
    kind == "xml" { line = $0; if (line ~ /^[@\\]/) line = "\\" line; xml = xml line "\n"; next }
    kind == "state" && state == "" && $0 != "" { state = $0 }
    END { flush() }'
}
if [ -n "$uuids" ]; then
  tag=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  all=$(read_all)
  printf '%s\n' "$all" | pick sections
  for u in $(printf '%s\n' "$all" | pick failed); do read_one "$u"; done
fi
for f in /var/lib/pulumi-sev/machine-slice/*.json; do
  [ -f "$f" ] || continue
  sec slice-claim "$(basename "$f" .json)"; esc < "$f"
done
sec end
