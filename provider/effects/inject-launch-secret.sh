# The launch secret's injection (effects/libvirt.ts): `sh -c SCRIPT inject-launch-secret URI UUID
# [--set-address N]`, the header and the secret on stdin, one line each. They reach virsh only as
# files, written by this fixed script into a private folder (memory-backed where /dev/shm exists)
# that is removed when it ends: nothing of them is on a command line, and every argument stays an
# argument. Sent as one line (effects/scripts.ts oneLine: one complete command per line here, no
# comment after a command), starting with "umask 077", so that sudoers can name it (SECURITY.md).
# Prints the section "injected" (core/parse/outcome.ts); virsh's own output goes to stderr.
umask 077
d=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
IFS= read -r header; IFS= read -r secret
printf %s "$header" > "$d/header"; printf %s "$secret" > "$d/secret"
uri=$1; dom=$2; shift 2
virsh -c "$uri" domsetlaunchsecstate "$dom" --secrethdr "$d/header" --secret "$d/secret" "$@" >&2 || exit 1
tag=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '\n%s injected\n' "$tag" | sed -e 's/^[@\\]/\\&/' -e "s/^$tag \(.*\)\$/@@probe \1@@/"
