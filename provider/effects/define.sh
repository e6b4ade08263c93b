# The define before a start-and-read (effects/libvirt.ts): `sh -s -- URI UUID START [KIND PATH
# SOURCE FORMAT SIZE]…`, after guest-files.sh, framing.sh and what the provider writes as quoted
# here-documents whose random end lines are not in their text (the shell expands nothing in
# them): $seed, the cloud-init seed's bytes (base64), and `define_xml URI`, which runs `virsh
# define` with the domain XML on its stdin. Makes the
# guest's files first, all or nothing; a define that fails removes what this run made. Prints the
# section "defined" (framed, on its own: the provider lets the host lock go when it sees it), then
# start-and-read.sh goes on with its sections.
made=$(mktemp) || exit 1; trap 'rm -f "$made"' EXIT
files_of() { shift 3; make_files "$uuid_" "$@"; }
uuid_=$2; files_of "$@" || exit 1
define_xml "$1" >/dev/null || { undo_files; exit 1; }
sec defined | framed
