/** <memory>, <currentMemory> and <memoryBacking> (hugepages, locked). */
import { asNode, attrOf, integerOf } from "../parse/xml";
import { attrs, Node, optional, textElement, XmlNode } from "./node";

export interface Memory {
  memoryKiB: number | null;
  currentMemoryKiB: number | null;
  /** null: small pages; size null: the host's default huge page size (<hugepages/>). */
  hugepages: { sizeKiB: number | null } | null;
  /** <locked/>: the guest's pages stay in RAM (SEV and SEV-ES pin encrypted pages). */
  locked: boolean;
}

const KIB: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, m: 1024, mib: 1024, g: 1024 ** 2, gib: 1024 ** 2 };

/** An amount in KiB from its element's unit (default KiB, or the given default). */
export function kibOf(node: unknown, amount: number | null, defaultUnit = "KiB"): number | null {
  const unit = (attrOf(node, "unit") ?? defaultUnit).toLowerCase();
  return amount === null || KIB[unit] === undefined ? null : Math.round(amount * KIB[unit]);
}

/** undefined when there is nothing to say: an SNP guest on small pages has no <memoryBacking>, as in Nova. */
function renderMemoryBacking(m: Memory): Node | undefined {
  const node: Node = {};
  if (m.hugepages !== null) node["hugepages"] = m.hugepages.sizeKiB === null ? "" : { page: attrs({ size: m.hugepages.sizeKiB, unit: "KiB" }) };
  if (m.locked) node["locked"] = "";
  return Object.keys(node).length > 0 ? node : undefined;
}

/** The three elements, as children of <domain> in libvirt's order. */
export function renderMemory(m: Memory): Node {
  const amount = (kib: number | null) => (kib === null ? undefined : textElement(String(kib), { unit: "KiB" }));
  return {
    ...optional("memory", amount(m.memoryKiB)),
    ...optional("currentMemory", amount(m.currentMemoryKiB)),
    ...optional("memoryBacking", renderMemoryBacking(m)),
  };
}

function hugepagesOf(backing: XmlNode): Memory["hugepages"] {
  if (backing["hugepages"] === undefined) return null;
  const page = asNode(asNode(backing["hugepages"])["page"]);
  const size = attrOf(page, "size");
  return { sizeKiB: size === null ? null : kibOf(page, /^\d+$/.test(size) ? Number(size) : null) };
}

export function readMemory(domain: XmlNode): Memory {
  const backing = asNode(domain["memoryBacking"]);
  return {
    memoryKiB: kibOf(domain["memory"], integerOf(domain["memory"])),
    currentMemoryKiB: kibOf(domain["currentMemory"], integerOf(domain["currentMemory"])),
    hugepages: hugepagesOf(backing),
    locked: backing["locked"] !== undefined,
  };
}
