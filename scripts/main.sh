#!/usr/bin/env bash
# npm start: the main job on the embedded lab. Starts the lab hosts, runs `pulumi up` of the root
# program (examples/quickstart) against them with local state, and prints readiness and capacity.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prepare.sh
node dist/lab/cli.js up
# The quickstart's guests boot from disks that are on the host: empty images here.
for g in web-1 web-2; do node dist/lab/cli.js image rome "/var/lib/libvirt/images/$g.qcow2" >/dev/null; done

export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-pulumi-sev-lab}"
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
mkdir -p .pulumi-state
stack=${SEV_STACK:-lab}
# Lab hosts are ephemeral: a restarted lab has new ports and host keys, and the stack's old hosts
# are gone with the old processes. Start that stack afresh rather than fail deleting ghosts (guests
# still defined on a running lab host carry this stack's URNs and are taken over).
lab_id=$(sha256sum .lab/inventory.json | cut -d' ' -f1)
if [ "$(cat ".pulumi-state/$stack.lab-id" 2>/dev/null)" != "$lab_id" ]; then
  pulumi stack rm --yes --force "$stack" >/dev/null 2>&1 || true
fi
pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
echo "$lab_id" > ".pulumi-state/$stack.lab-id"
pulumi up --yes
echo
node dist/lab/readiness.js "$(pulumi stack output readiness --json)"
echo
pulumi stack output guestStates
echo
echo "Every lab host, as a CI job would check them (sev-capacity):"
node bin/sev-capacity --inventory .lab/inventory.json --quiet || true
