/**
 * machine.slice ownership. Every SevHost that sets a memory limit leaves a claim on the host
 * (/var/lib/pulumi-sev/machine-slice/ID.json): who set what, and what the host had before the
 * first claim (the base). The rule, for one or several stacks on one machine:
 * - claims must agree (same property, same value); a SevHost whose limit differs from another's
 *   claim is refused before anything changes, naming the other stack;
 * - a claim is keyed by the resource's URN, so a replacement of the same resource on the same
 *   machine (an address spelled another way) takes the claim over, and the original's delete
 *   leaves the limit alone;
 * - the last claim to go restores the base, and only when the host still has the value we set;
 *   a value changed by hand is left as it is, with a warning.
 * Pure: claims come from the probe, decisions go back to the effects.
 */
import { createHash } from "crypto";
import { MemoryValue, SliceHold, SliceProperty } from "./slice";
import { Owner } from "./owner";

/** Where every SevHost's machine.slice claim lives on the host. */
export const CLAIMS_DIR = "/var/lib/pulumi-sev/machine-slice";

/** A SevHost's claim on machine.slice, one file per resource: who set what, and what was there before. */
export interface SliceClaim {
  urn: string;
  project: string;
  stack: string;
  property: SliceProperty;
  bytes: number;
  /** The host's value before the first claim (null: infinity). */
  base: MemoryValue;
  /** Set at create; a replacement writes a new one, so the original can tell it was taken over. */
  nonce: string;
}

/** A claim file as the probe found it: its id (file name) and content, or why it cannot be read. */
export type FoundClaim = { id: string; claim: SliceClaim } | { id: string; unreadable: string };

/** A claim's file name: a digest of the resource's URN, the same for every checkout of the stack. */
export function claimId(urn: string): string {
  return createHash("sha256").update(urn).digest("hex").slice(0, 32);
}

export function claimPath(id: string): string {
  return `${CLAIMS_DIR}/${id}.json`;
}

function isClaim(v: unknown): v is SliceClaim {
  const c = v as SliceClaim;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.urn === "string" &&
    typeof c.project === "string" &&
    typeof c.stack === "string" &&
    (c.property === "MemoryMax" || c.property === "MemoryHigh") &&
    Number.isSafeInteger(c.bytes) &&
    (c.base === null || Number.isSafeInteger(c.base)) &&
    typeof c.nonce === "string"
  );
}

export function parseClaim(id: string, text: string): FoundClaim {
  try {
    const value: unknown = JSON.parse(text);
    return isClaim(value) ? { id, claim: value } : { id, unreadable: "not a pulumi-sev machine.slice claim" };
  } catch (err) {
    return { id, unreadable: `not JSON (${(err as Error).message})` };
  }
}

export function serializeClaim(c: SliceClaim): string {
  return JSON.stringify(c, null, 2) + "\n";
}

function describe(c: SliceClaim): string {
  return `${c.project}/${c.stack} (${c.urn}) keeps ${c.property}=${c.bytes}`;
}

function others(found: FoundClaim[], ownId: string): FoundClaim[] {
  return found.filter((f) => f.id !== ownId);
}

/** Why this resource may not set the limit it wants, or null when every other claim agrees. */
export function claimConflict(label: string, owner: Owner, want: { property: SliceProperty; bytes: number }, found: FoundClaim[]): string | null {
  const disagreeing = others(found, claimId(owner.urn)).filter((f) => !("claim" in f) || f.claim.property !== want.property || f.claim.bytes !== want.bytes);
  if (disagreeing.length === 0) return null;
  const lines = disagreeing.map((f) => ("claim" in f ? describe(f.claim) : `${claimPath(f.id)} cannot be read: ${f.unreadable}`));
  return (
    `${label}: machine.slice is already limited by another SevHost, and the limits disagree: ` +
    `${lines.join("; ")}; this one (${owner.project}/${owner.stack}) wants ${want.property}=${want.bytes}. ` +
    `Several SevHosts may manage one machine only with the same memoryLimit. Fix: give them the same limit, ` +
    `or remove memoryLimit from all but one (a claim file that cannot be read: remove it by hand once no stack needs it).`
  );
}

/**
 * The value to restore when the last claim on this property goes: the base of a claim on it already
 * there (ours, left by a replacement, or another's), else what the host has now.
 */
export function baseFor(found: FoundClaim[], property: SliceProperty, current: MemoryValue, ownId: string): MemoryValue {
  const onProperty = found.filter((f): f is { id: string; claim: SliceClaim } => "claim" in f && f.claim.property === property);
  const first = onProperty.find((f) => f.id === ownId) ?? onProperty[0];
  return first ? first.claim.base : current;
}

/** What deleting a SevHost does to machine.slice (releaseOf): leave it to a replacement or to other claims, restore, or leave a hand-made change. */
export type Release =
  | { action: "taken-over" }
  | { action: "kept-for-others"; removeClaim: boolean; holders: string[] }
  | { action: "restore"; removeClaim: boolean; value: MemoryValue }
  | { action: "leave-changed"; removeClaim: boolean; warning: string };

/** What deleting this resource does to machine.slice, given the claims and value on the host now. */
export function releaseOf(label: string, owner: Owner, held: SliceHold, found: FoundClaim[], current: MemoryValue): Release {
  const ownId = claimId(owner.urn);
  const own = found.find((f) => f.id === ownId);
  if (own && "claim" in own && own.claim.nonce !== held.nonce) return { action: "taken-over" };
  const removeClaim = own !== undefined;
  const rest = others(found, ownId);
  if (rest.length > 0) {
    return { action: "kept-for-others", removeClaim, holders: rest.map((f) => ("claim" in f ? `${f.claim.project}/${f.claim.stack}` : claimPath(f.id))) };
  }
  if (current === held.limitBytes) return { action: "restore", removeClaim, value: held.previous };
  return {
    action: "leave-changed",
    removeClaim,
    warning:
      `${label}: machine.slice ${held.property} is ${current ?? "infinity"}, not the ${held.limitBytes} this SevHost set ` +
      `(changed by hand since): left as it is rather than restored to ${held.previous ?? "infinity"}. ` +
      `To restore it: systemctl set-property machine.slice ${held.property}=${held.previous ?? "infinity"}`,
  };
}
