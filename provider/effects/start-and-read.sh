# Start-and-read (effects/libvirt.ts): `sh -s -- URI ID START`, after framing.sh (and, for a
# create or update, after define.sh). Starts the domain if it is shut off or crashed and START
# asks for it (yes, or paused: launched, no vCPU runs yet), then reads its state, launch info,
# addresses and definition: one round trip. Sections (core/parse/domain-now.ts): start-failed
# (virsh's words) or started, then state, launchsecinfo, addresses, xml. Framed: a domain's
# description that holds marker lines is data.
uri=$1; id=$2; start=$3
v() { virsh -c "$uri" "$@"; }
{
state=$(v domstate "$id" 2>/dev/null | head -n 1)
if [ "$start" != no ] && { [ "$state" = "shut off" ] || [ "$state" = crashed ]; }; then
  flag=; [ "$start" = paused ] && flag=--paused
  if ! err=$(v start $flag "$id" 2>&1 >/dev/null); then sec start-failed; printf '%s\n' "$err"; exit 0; fi
  sec started
fi
sec state; v domstate "$id" 2>/dev/null | head -n 1
sec launchsecinfo; v domlaunchsecinfo "$id" 2>/dev/null
sec addresses; v domifaddr --source agent "$id" 2>/dev/null || v domifaddr --source lease "$id" 2>/dev/null
sec xml; v dumpxml --inactive "$id" 2>/dev/null
} | framed
exit 0
