/** The fast-xml-parser node shapes the element modules render into and read from. */
import { ATTR, XmlNode } from "../parse/xml";

export type Node = Record<string, unknown>;
export type { XmlNode };

/** Attributes in the order given; undefined and null values are left out. */
export function attrs(values: Record<string, string | number | null | undefined>): Node {
  const out: Node = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null) out[ATTR + k] = String(v);
  return out;
}

/** An element with attributes and text content. */
export function textElement(text: string, values: Record<string, string | number | null | undefined> = {}): Node {
  return { ...attrs(values), "#text": text };
}

/** <driver iommu='on'/>: DMA of a virtio device goes through SEV's bounce buffers. */
export const IOMMU: Node = { driver: attrs({ iommu: "on" }) };

/** { name: node } when there is a node, else nothing: for elements that may be absent. */
export function optional(name: string, node: unknown): Node {
  return node === undefined || node === null ? {} : { [name]: node };
}

export function yesNo(value: string | null): boolean | null {
  return value === "yes" ? true : value === "no" ? false : null;
}
