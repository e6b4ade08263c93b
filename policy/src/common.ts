/** What every policy of the pack shares: the resource types, the policy names, reading props, the message. */
import { isObject, RESOURCE_TYPES } from "pulumi-sev/core";

export const TYPES = RESOURCE_TYPES;

export const NAMES = {
  memoryEncrypted: "sev-guest-memory-encrypted",
  encryptedState: "sev-guest-encrypted-state",
  nodbgNoks: "sev-guest-policy-nodbg-noks",
  q35Uefi: "sev-guest-q35-uefi",
  noVirtioBlkBoot: "sev-guest-no-virtio-blk-boot",
  machineSliceLimit: "sev-host-machine-slice-limit",
  slotHeadroom: "sev-host-slot-headroom",
} as const;

export const DEFAULT_SSH_PORT = 22;

export type Obj = Record<string, unknown>;

/**
 * A plain copy of a value the policy framework hands over. Its props are a proxy that throws the
 * framework's UnknownValueError on a value unknown during preview; the copy reads every field, so
 * an unknown surfaces here (the framework then reports "can't run policy ... during preview").
 */
export function plain(v: unknown): unknown {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown);
}

/** By name: the error class lives in the framework's own copy of @pulumi/policy. */
function isUnknownValueError(e: unknown): e is Error {
  return e instanceof Error && e.constructor.name === "UnknownValueError";
}

export type Known<T> = { known: true; value: T } | { known: false; why: string };

/** The value, or the reason it is not known yet (during preview). */
export function known<T>(read: () => T): Known<T> {
  try {
    return { known: true, value: read() };
  } catch (e) {
    if (isUnknownValueError(e)) return { known: false, why: e.message };
    throw e;
  }
}

export { isObject };

export function show(v: unknown): string {
  return v === undefined ? "not set" : JSON.stringify(v);
}

/** "10.0.0.5:22": how a host is told apart, from a SevHost's props or a SevGuest's `host`. */
export function hostKey(props: Obj): string {
  return `${String(props.address)}:${String(props.port ?? DEFAULT_SSH_PORT)}`;
}

/** Every report of the pack reads the same way. */
export function message(label: string, found: string, required: string, fix: string): string {
  return `${label}: found ${found}. Required: ${required}. Fix: ${fix}.`;
}
