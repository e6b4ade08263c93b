/** Deterministic identifiers for a guest: a name-based (version 5) UUID and a locally administered MAC. */
import { createHash } from "crypto";
import { OWNER_NAMESPACE } from "./metadata";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 namespace for URLs (6ba7b811-…). */
export const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

export function isUuid(text: string): boolean {
  return UUID_RE.test(text);
}

function uuidBytes(uuid: string): Buffer {
  if (!isUuid(uuid)) throw new Error(`not a UUID: ${JSON.stringify(uuid)}`);
  return Buffer.from(uuid.replace(/-/g, ""), "hex");
}

function formatUuid(bytes: Buffer): string {
  const h = bytes.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** RFC 4122 §4.3 name-based UUID with SHA-1 (version 5). */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash("sha1").update(uuidBytes(namespace)).update(Buffer.from(name, "utf8")).digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return formatUuid(bytes);
}

/** This provider's UUID namespace: the v5 UUID of the owner namespace URL. */
export const GUEST_UUID_NAMESPACE = uuidV5(OWNER_NAMESPACE, URL_NAMESPACE);

/** A stable domain UUID from a string such as the Pulumi URN: the same seed always gives the same UUID. */
export function stableUuid(seed: string): string {
  return uuidV5(seed, GUEST_UUID_NAMESPACE);
}

/** A stable MAC in QEMU's locally administered 52:54:00 range, derived from a seed (the domain UUID). */
export function stableMac(seed: string): string {
  const h = createHash("sha1").update(`mac:${seed}`).digest();
  return ["52", "54", "00", ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}
