# Lab shim, never on a real host: the lab's virsh with this host's libvirtd (QEMU driver), which
# answers everything itself. Only `virsh version` is rewritten where the profile's libvirt is not
# the lab's (the QEMU version is the fake QEMU's, from the profile). Set by the header
# (lab/shims.ts): LAB_HOST, LAB_VIRSH, LAB_LIBS, LAB_LIBVIRT_VERSION (the lab's libvirt).
export LD_LIBRARY_PATH="$LAB_LIBS"
VIRSH=$LAB_VIRSH
real() { "$VIRSH" -c qemu:///system "$@"; }
. "$LAB_HOST/root/shims/faults.sh"
if [ "$1" = version ]; then
  . "$LAB_HOST/root/versions"
  if [ "$LIBVIRT" != "$LAB_LIBVIRT_VERSION" ]; then
    lab=$(printf '%s' "$LAB_LIBVIRT_VERSION" | sed 's/\./\\./g')
    real "$@" | sed "/^Running hypervisor/!s/$lab/$LIBVIRT/"; exit 0
  fi
fi
exec "$VIRSH" -c qemu:///system "$@"
