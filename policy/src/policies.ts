/**
 * The pulumi-sev policies, as plain data: index.ts wraps them in a PolicyPack, the unit tests call
 * their validate functions directly. README.md lists them with their config.
 */
import { Policies } from "@pulumi/policy";
import { memoryEncrypted } from "./memory-encrypted";
import { encryptedState } from "./encrypted-state";
import { nodbgNoks } from "./nodbg-noks";
import { q35Uefi } from "./q35-uefi";
import { noVirtioBlkBoot } from "./no-virtio-blk-boot";
import { machineSliceLimit } from "./machine-slice-limit";
import { slotHeadroom } from "./slot-headroom";

export { NAMES, TYPES } from "./common";
export { notes } from "./slot-headroom";
export { memoryEncrypted, encryptedState, nodbgNoks, q35Uefi, noVirtioBlkBoot, machineSliceLimit, slotHeadroom };

export const policies: Policies = [memoryEncrypted, encryptedState, nodbgNoks, q35Uefi, noVirtioBlkBoot, machineSliceLimit, slotHeadroom];
