/** <disk>: a disk or CD-ROM backed by a file or a block device, on a bus, maybe the boot device. */
import { asNode, attrOf } from "../parse/xml";
import { attrs, Node, XmlNode } from "./node";

export interface Disk {
  device: string;
  /** file or block: the source is source@file or source@dev. */
  type: string | null;
  /** Image file or block device; null when the disk has no source (an empty CD-ROM). */
  path: string | null;
  /** driver@type: qcow2, raw. */
  format: string | null;
  /** <driver iommu='on'/>: needed for a virtio-blk disk of an SEV guest. */
  iommu: boolean;
  /** target@dev: sda, vdb. */
  dev: string | null;
  bus: string | null;
  readonly: boolean;
  /** <boot order='n'/>. */
  bootOrder: number | null;
}

/** "block" for a path under /dev/, else "file". */
export function diskTypeOf(path: string): "file" | "block" {
  return path.startsWith("/dev/") ? "block" : "file";
}

function renderDriver(d: Disk): Node | undefined {
  if (d.format === null && !d.iommu) return undefined;
  return attrs({ name: d.format === null ? undefined : "qemu", type: d.format, iommu: d.iommu ? "on" : undefined });
}

export function renderDisk(d: Disk): Node {
  const node: Node = attrs({ type: d.type, device: d.device });
  const driver = renderDriver(d);
  if (driver !== undefined) node["driver"] = driver;
  if (d.path !== null) node["source"] = d.type === "block" ? attrs({ dev: d.path }) : attrs({ file: d.path });
  node["target"] = attrs({ dev: d.dev, bus: d.bus });
  if (d.readonly) node["readonly"] = "";
  if (d.bootOrder !== null) node["boot"] = attrs({ order: d.bootOrder });
  return node;
}

export function readDisk(node: unknown): Disk {
  const d: XmlNode = asNode(node);
  const source = asNode(d["source"]);
  const order = attrOf(d["boot"], "order");
  return {
    device: attrOf(d, "device") ?? "disk",
    type: attrOf(d, "type"),
    path: attrOf(source, "file") ?? attrOf(source, "dev") ?? attrOf(source, "volume") ?? null,
    format: attrOf(d["driver"], "type"),
    iommu: attrOf(d["driver"], "iommu") === "on",
    dev: attrOf(d["target"], "dev"),
    bus: attrOf(d["target"], "bus"),
    readonly: d["readonly"] !== undefined,
    bootOrder: order !== null && /^\d+$/.test(order) ? Number(order) : null,
  };
}
