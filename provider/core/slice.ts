/**
 * machine.slice's vocabulary, shared by the host's facts (core/facts.ts), the claims every SevHost
 * leaves on the host (core/slice-claims.ts), the SevHost's state and the effects that set it.
 */

/** The systemd property a SevHost limits machine.slice's memory with. */
export type SliceProperty = "MemoryMax" | "MemoryHigh";

/** A memory property's value in bytes; null is infinity (no limit). */
export type MemoryValue = number | null;

/** What a SevHost holds on machine.slice: kept in its state, and what its delete gives back. */
export interface SliceHold {
  property: SliceProperty;
  /** What this resource keeps machine.slice at. */
  limitBytes: number;
  /** The value before this resource first set it (null: infinity); restored on delete. */
  previous: MemoryValue;
  /** Of this resource's claim on the host (core/slice-claims.ts); absent in state written by 0.2.0. */
  nonce?: string;
}
