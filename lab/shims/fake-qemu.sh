# Lab edge: the QEMU of this host is lab/edge/fake-qemu.py (see its header). Set by the header
# (lab/shims.ts): LAB_FAKE_QEMU (that script), LAB_QEMU_CONFIG (this host's qemu.json).
exec /usr/bin/python3 -S "$LAB_FAKE_QEMU" "$LAB_QEMU_CONFIG" "$@"
