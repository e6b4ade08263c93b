# Undefine and remove files (effects/libvirt.ts): `sh -s -- URI ID PATH…`, after guest-files.sh and
# framing.sh. Removes the definition, the guest's UEFI variable store and the files up made for it
# (those carrying its ownership marker). Sections (core/parse/outcome.ts): "undefined", "removed".
main() {
  virsh -c "$1" undefine --nvram "$2" >/dev/null || return 1
  sec undefined
  id=$2; shift 2; remove_files "$id" "$@" && sec removed
}
run_framed main "$@"
