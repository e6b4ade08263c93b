/**
 * The pulumi-sev CrossGuard policy pack. Build it (npm run build here, or scripts/prepare.sh in the
 * repository), then run it with
 *   pulumi preview --policy-pack <this folder> [--policy-pack-config <file.json>]
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("pulumi-sev", {
  description:
    "AMD SEV confidential VMs: guests memory-encrypted, debug-proof, q35 + UEFI, no virtio-blk boot disk; hosts with a machine.slice limit and free SEV slots.",
  displayName: "pulumi-sev",
  policies,
});
