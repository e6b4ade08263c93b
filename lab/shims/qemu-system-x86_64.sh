# Lab shim: the QEMU version the profile declares (a test-driver host). Set by the header: LAB_HOST.
. "$LAB_HOST/root/versions"
echo "QEMU emulator version $QEMU"
