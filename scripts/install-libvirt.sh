#!/usr/bin/env bash
# Installs the lab's libvirt (Debian bookworm-backports, the version pinned in lab/libvirt.version)
# into a private folder, without touching the machine's own libvirt or its apt sources:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-sev/libvirt-VERSION/root (usr/sbin/libvirtd, usr/bin/virsh,
#   usr/lib/x86_64-linux-gnu/libvirt.so.0, usr/lib/x86_64-linux-gnu/libvirt/connection-driver/
#   libvirt_driver_qemu.so, usr/share/libvirt/schemas).
# apt runs with a sources list and package lists of its own (bookworm-backports), only to download
# the pinned .deb files, which are unpacked with dpkg -x. Shared libraries they need come from the
# machine's bookworm sources (apt-get install, only when missing). Safe to run again; the last
# stdout line is the root folder.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(tr -d '[:space:]' < lab/libvirt.version)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-sev/libvirt-$version"
root="$cache/root"
packages=(libvirt0 libvirt-common libvirt-daemon libvirt-daemon-common libvirt-clients libvirt-daemon-driver-qemu)
log() { printf 'install-libvirt: %s\n' "$*" >&2; }

# .done holds the package list it was made from: a longer list unpacks again.
done_with() { [ -f "$cache/.done" ] && [ "$(cat "$cache/.done")" = "${packages[*]}" ]; }
if [ -x "$root/usr/sbin/libvirtd" ] && done_with; then
  echo "$root"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache.lock"
flock 9
if done_with; then echo "$root"; exit 0; fi

apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$cache/debs"
echo "deb http://deb.debian.org/debian bookworm-backports main" > "$apt_dir/sources.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
log "apt-get update (private lists: bookworm-backports)"
apt-get "${apt_opts[@]}" update >&2
(cd "$cache/debs" && apt-get "${apt_opts[@]}" download "${packages[@]/%/=$version}" >&2) || {
  log "error: libvirt $version is no longer in bookworm-backports; set lab/libvirt.version to the version it carries (apt-cache policy libvirt0 with the options above)"
  exit 1
}
rm -rf "$root"
for deb in "$cache"/debs/*_"${version/:/%3a}"_*.deb; do dpkg-deb -x "$deb" "$root"; done

# Shared libraries the packages depend on (everything but their own packages), from bookworm.
missing=()
for deb in "$cache"/debs/*.deb; do
  dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[( ].*//; s/^ *//' | grep -E '^lib' | grep -v '^libvirt' || true
done | sort -u > "$cache/libs"
while read -r lib; do
  dpkg-query -W -f '${Status}' "$lib" 2>/dev/null | grep -q 'install ok installed' || missing+=("$lib")
done < "$cache/libs"
if [ ${#missing[@]} -gt 0 ]; then
  log "installing libraries the lab's libvirt needs: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
if LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu" ldd "$root/usr/sbin/libvirtd" "$root/usr/bin/virsh" \
  "$root/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so" | grep 'not found' >&2; then
  log "error: the lab's libvirt misses shared libraries (above)"
  exit 1
fi
echo "${packages[*]}" > "$cache/.done"
log "libvirt $version in $root"
echo "$root"
