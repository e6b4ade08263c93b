/** Reading plain JSON (state, inventories, a policy's view of a resource) without trusting its shape. */

/** A JSON object: what a value read from state or a file is checked to be before its fields are read. */
export type JsonObject = Record<string, unknown>;

/** Whether v is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
