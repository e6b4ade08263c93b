#!/usr/bin/env bash
# Installs what the lab and the tests need, only when missing: Debian packages, the lab's libvirt
# (scripts/install-libvirt.sh), npm packages, and the Pulumi CLI (scripts/install-pulumi.sh). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have sshd || need+=(openssh-server)
have ssh-keygen || need+=(openssh-client)
have libvirtd || need+=(libvirt-daemon libvirt-daemon-driver-qemu)
have virsh || need+=(libvirt-clients)
have xmllint || need+=(libxml2-utils)
have qemu-img || need+=(qemu-utils)
have gcc || need+=(gcc libc6-dev)
have ip || need+=(iproute2)
[ -x /usr/bin/python3 ] || need+=(python3)
have virt-xml-validate || need+=(libvirt-clients)
have unshare || need+=(util-linux)
have openssl || need+=(openssl)
have sudo || need+=(sudo)
have flock || need+=(util-linux)
have isoinfo || need+=(genisoimage)
have xorriso || need+=(xorriso)
have fuseiso || need+=(fuseiso)
have blkid || need+=(util-linux)
[ -d /usr/share/OVMF ] || need+=(ovmf)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

# The lab's libvirt (bookworm-backports, pinned), unpacked privately beside the machine's own.
bash scripts/install-libvirt.sh >/dev/null

if [ ! -d node_modules/@pulumi/pulumi ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
# The package's own programs (examples, test programs) and the serialized providers they write load
# `pulumi-sev` by name, as a user's project does: the checkout is linked in as that package.
[ "$(readlink node_modules/pulumi-sev 2>/dev/null)" = ".." ] || ln -sfn .. node_modules/pulumi-sev
[ -d policy/node_modules/@pulumi/policy ] && [ -e policy/node_modules/pulumi-sev ] && [ ! policy/package-lock.json -nt policy/node_modules/.package-lock.json ] || { echo "setup: npm ci --prefix policy" >&2; npm ci --prefix policy --no-audit --no-fund >&2; }
