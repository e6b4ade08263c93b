# How a script frames what it prints, as probe.sh frames its sections (core/parse/sections.ts
# reads it): `sec NAME ARGS…` starts a section with a line "TAG NAME ARGS…", TAG random for each
# run; `framed` (a filter over all the output) puts a "\" before every line that starts with "@" or
# "\", then turns the TAG lines into "@@probe NAME ARGS…@@" headers: no data on the host can forge one.
tag=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
sec() { printf '\n%s %s\n' "$tag" "$*"; }
framed() { sed -e 's/^[@\\]/\\&/' -e "s/^$tag \(.*\)\$/@@probe \1@@/"; }
# run_framed CMD ARGS…: runs CMD with its standard output framed, and returns CMD's status (a
# pipeline's would be sed's). fd 3 carries the status out, fd 4 the framed output.
run_framed() {
  { rc=$( { { "$@" 3>&- 4>&-; echo "$?" >&3; } | framed >&4; } 3>&1 ); } 4>&1
  return "${rc:-1}"
}
