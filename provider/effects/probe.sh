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
if [ "$mode" = slots ]; then
  sec names; v list --all --name 2>&1 | esc
  sec uuids; v list --all --uuid 2>&1 | esc
fi
if [ "$mode" = all ]; then
sec slice; { systemctl show machine.slice -p MemoryMax -p MemoryHigh 2>&1; echo "exit=$?"; } | esc
fi
# A domain that cannot be read may hold a slot: it is reported, and counted as used.
for u in $(v list --all --uuid 2>/dev/null); do
  if ! xml=$(v dumpxml "$u" 2>/dev/null); then
    sec unreadable-domain "$u"; v dumpxml "$u" 2>&1 >/dev/null | esc; continue
  fi
  case $xml in
    *"<launchSecurity"*) sec domain "$u" "$(v domstate "$u" 2>/dev/null | head -n 1)"; printf '%s\n' "$xml" | esc ;;
  esac
done
for f in /var/lib/pulumi-sev/machine-slice/*.json; do
  [ -f "$f" ] || continue
  sec slice-claim "$(basename "$f" .json)"; esc < "$f"
done
sec end
