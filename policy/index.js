// @ts-check
/**
 * The pulumi-sev CrossGuard policy pack. Run it with
 *   pulumi preview --policy-pack <this folder> [--policy-pack-config <file.json>]
 * after `npm run -s build` in the repository (the policies load the project's core from dist/).
 * The policies themselves are in policies.js; README.md lists them with their config.
 */
"use strict";
const { PolicyPack } = require("@pulumi/policy");
const { policies } = require("./policies");

new PolicyPack("pulumi-sev", {
  description: "AMD SEV confidential VMs: guests memory-encrypted, debug-proof, q35 + UEFI, no virtio-blk boot disk; hosts with a machine.slice limit and free SEV slots.",
  displayName: "pulumi-sev",
  policies,
});
