# Waits for a guest's address (effects/libvirt.ts): `sh -s -- URI ID SOURCE SECONDS`, after
# framing.sh. Polls `virsh domifaddr` once a second until an interface other than loopback has an
# address, or the wait is over; prints virsh's last answer as the section "addresses"
# (core/parse/wait-for-address.ts). Framed: what a guest agent reports (interface names) is data.
uri=$1; id=$2; source=$3; wait=$4
v() { virsh -c "$uri" "$@"; }
i=0
while :; do
  out=$(v domifaddr --source "$source" "$id" 2>&1)
  printf '%s\n' "$out" | grep -v '00:00:00:00:00:00' | grep -Eq '([0-9a-f]{2}:){5}[0-9a-f]{2}[[:space:]]+ipv[46][[:space:]]' && break
  [ "$i" -ge "$wait" ] && break
  sleep 1; i=$((i + 1))
done
{ sec addresses "$i"; printf '%s\n' "$out"; } | framed
