#!/usr/bin/env bash
# Starts one simulated SEV hypervisor from a host folder rendered by the lab CLI.
# Inside a private mount namespace the profile's facts are bind-mounted over the real
# paths the provider reads; a libvirtd (test driver only) and an sshd serve that view.
set -euo pipefail
host=$(cd "$1" && pwd)
mkdir -p /run/sshd "$host/run"

if [ "${2:-}" != inside ]; then
  exec unshare -m --propagation private -- "$0" "$host" inside
fi

f="$host/root"
bind() { [ -e "$2" ] || return 0; mount --bind "$1" "$2"; }

bind "$f/cmdline" /proc/cmdline
bind "$f/osrelease" /proc/sys/kernel/osrelease
bind "$f/cpuinfo" /proc/cpuinfo
bind "$f/meminfo" /proc/meminfo
bind "$f/smt-active" /sys/devices/system/cpu/smt/active
mount --bind "$f/sys-module" /sys/module
mount --bind "$f/cgroup" /sys/fs/cgroup

# /dev: a fresh tmpfs with the few real nodes sshd needs, plus the profile's device nodes.
mkdir -p "$host/run/realdev"
mount --bind /dev "$host/run/realdev"
mount -t tmpfs -o mode=755 lab-dev /dev
for n in null zero full random urandom tty; do
  touch "/dev/$n"; mount --bind "$host/run/realdev/$n" "/dev/$n"
done
mkdir -p /dev/pts /dev/shm
# A devpts of its own: the guests' serial consoles are ptys (a QEMU-driver host's fake QEMU opens them).
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 lab-devpts /dev/pts || mount --bind "$host/run/realdev/pts" /dev/pts
ln -s pts/ptmx /dev/ptmx
ln -s /proc/self/fd /dev/fd
for i in 0:stdin 1:stdout 2:stderr; do ln -s "/proc/self/fd/${i%%:*}" "/dev/${i#*:}"; done
umount -l "$host/run/realdev"
while read -r name major minor mode; do
  [ -n "$name" ] && mknod -m "$mode" "/dev/$name" c "$major" "$minor"
done < "$f/devices"

# libvirt: the lab's own (scripts/install-libvirt.sh, named in libvirt.env), private state.
. "$host/libvirt.env"
libs="$LIBVIRT_ROOT/usr/lib/x86_64-linux-gnu"
for d in /run/libvirt /run/lock /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
  mkdir -p "$d"; mount -t tmpfs -o mode=755 lab-libvirt "$d"
done
# The provider's own records on the host (machine.slice claims): one folder per lab host.
mkdir -p "$host/state/var-lib-pulumi-sev" /var/lib/pulumi-sev
mount --bind "$host/state/var-lib-pulumi-sev" /var/lib/pulumi-sev
# The host's users: the machine's, with the distribution's QEMU user (lab.ts renderUsers).
mount --bind "$host/etc/passwd" /etc/passwd
mount --bind "$host/etc/group" /etc/group
sock=/run/libvirt/libvirt-sock
if [ "$LAB_DRIVER" = qemu ]; then
  # The QEMU driver: this host's images and configuration; the lab libvirt's data files;
  # /dev/net/tun for guests' taps on the host's bridge br0, in a network namespace of its own.
  mkdir -p /var/lib/libvirt/images /etc/libvirt /usr/share/libvirt
  mount --bind "$host/images" /var/lib/libvirt/images
  mount --bind "$host/etc-libvirt" /etc/libvirt
  mount --bind "$LIBVIRT_ROOT/usr/share/libvirt" /usr/share/libvirt
  mkdir -p /usr/share/qemu/firmware && mount --bind "$host/firmware" /usr/share/qemu/firmware
  mkdir -p /dev/net && mknod -m 0666 /dev/net/tun c 10 200
  # The reaper is the host's init (this machine's PID 1 reaps no orphans); libvirtd runs under it,
  # in the foreground, with the edge preloaded (CPUID 0x8000001F, the memory-lock limit).
  "$LAB_REAPER" unshare -n -- /bin/sh -c '
    ip link set lo up && ip link add br0 type bridge && ip link set br0 up || exit 1
    exec env -i PATH="$1/bin:/usr/sbin:/usr/bin:/sbin:/bin" LD_LIBRARY_PATH="$2" LD_PRELOAD="$3" LAB_SEV_ASIDS="$4" \
      LIBVIRT_DRIVER_DIR="$2/libvirt/connection-driver" "$5/usr/sbin/libvirtd" -p "$6/run/libvirtd.pid" -f "$6/libvirtd.conf"' \
    lab-host "$f" "$libs" "$LAB_PRELOAD" "$LAB_SEV_ASIDS" "$LIBVIRT_ROOT" "$host" >>"$host/run/libvirtd.out" 2>&1 &
  echo $! > "$host/run/reaper.pid"
  for _ in $(seq 150); do [ -S "$sock" ] && break; sleep 0.1; done
else
  # The test driver only (no driver module loaded).
  mkdir -p "$host/run/no-drivers"
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH="$libs" LIBVIRT_DRIVER_DIR="$host/run/no-drivers" \
    "$LIBVIRT_ROOT/usr/sbin/libvirtd" -d -p "$host/run/libvirtd.pid" -f "$host/libvirtd.conf"
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
  # The test driver forgets everything when its last connection closes: keep one open.
  ( LD_LIBRARY_PATH="$libs" exec setsid "$LIBVIRT_ROOT/usr/bin/virsh" -c "test+unix:///default?socket=$sock" event --all --loop >/dev/null 2>&1 ) &
  echo $! > "$host/run/keeper.pid"
fi

mount --bind "$f/bin" /usr/local/bin
# A hypervisor's root has a plain shell: bash run by sshd reads ~/.bashrc, and this machine's (pyenv
# and cargo set-up, about 50 ms per command) is not the lab host's.
: > "$host/run/bashrc"
bind "$host/run/bashrc" ~root/.bashrc
exec /usr/sbin/sshd -D -f "$host/sshd_config" -E "$host/run/sshd.log"
