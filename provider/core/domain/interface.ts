/** <interface>: a NIC on a host bridge or a libvirt network, its MAC, model, IOMMU and option ROM. */
import { asNode, attrOf } from "../parse/xml";
import { attrs, IOMMU, Node, XmlNode, yesNo } from "./node";

export interface Interface {
  /** bridge, network (direct, user, … when read from elsewhere). */
  type: string | null;
  /** The bridge, network or device it attaches to. */
  source: string | null;
  mac: string | null;
  /** model@type: virtio. */
  model: string | null;
  iommu: boolean;
  /** rom@enabled; false: no iPXE option ROM (not SEV-aware); null: no <rom>. */
  rom: boolean | null;
}

/** The source attribute a type of interface names its attachment with. */
function sourceAttribute(type: string | null): string {
  return type === "bridge" || type === "network" ? type : "dev";
}

export function renderInterface(i: Interface): Node {
  const node: Node = attrs({ type: i.type });
  if (i.mac !== null) node["mac"] = attrs({ address: i.mac });
  if (i.source !== null) node["source"] = attrs({ [sourceAttribute(i.type)]: i.source });
  if (i.model !== null) node["model"] = attrs({ type: i.model });
  if (i.iommu) Object.assign(node, IOMMU);
  if (i.rom !== null) node["rom"] = attrs({ enabled: i.rom ? "yes" : "no" });
  return node;
}

export function readInterface(node: unknown): Interface {
  const i: XmlNode = asNode(node);
  const source = asNode(i["source"]);
  return {
    type: attrOf(i, "type"),
    source: attrOf(source, "bridge") ?? attrOf(source, "network") ?? attrOf(source, "dev"),
    mac: attrOf(i["mac"], "address")?.toLowerCase() ?? null,
    model: attrOf(i["model"], "type"),
    iommu: attrOf(i["driver"], "iommu") === "on",
    rom: i["rom"] === undefined ? null : yesNo(attrOf(i["rom"], "enabled")) !== false,
  };
}
