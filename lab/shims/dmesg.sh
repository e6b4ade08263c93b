# Lab shim: the host's kernel log as far as the SEV firmware is concerned (the lines of
# root/dmesg, written from the profile). Set by the header: LAB_HOST.
cat "$LAB_HOST/root/dmesg"
