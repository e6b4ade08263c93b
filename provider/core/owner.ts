/**
 * Who a resource is on a host: its stack and URN. The owner is written into each guest domain's
 * <metadata> (core/domain/metadata.ts) and into each SevHost's machine.slice claim
 * (core/slice-claims.ts); the slot count tells this stack's guests from others' by it.
 */

/** A Pulumi stack: the project and stack names. */
export interface StackId {
  project: string;
  stack: string;
}

/** A resource of a stack: what a domain's metadata or a slice claim records. */
export interface Owner extends StackId {
  urn: string;
}
