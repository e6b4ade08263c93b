/** <controller>: a bus controller (virtio-scsi, virtio-serial), with IOMMU when it is a virtio device. */
import { asNode, attrOf } from "../parse/xml";
import { attrs, IOMMU, Node } from "./node";

export interface Controller {
  type: string;
  index: number | null;
  /** virtio-scsi, lsilogic, … */
  model: string | null;
  iommu: boolean;
}

export function renderController(c: Controller): Node {
  return { ...attrs({ type: c.type, index: c.index, model: c.model }), ...(c.iommu ? IOMMU : {}) };
}

export function readController(node: unknown): Controller {
  const index = attrOf(node, "index");
  return {
    type: attrOf(node, "type") ?? "",
    index: index !== null && /^\d+$/.test(index) ? Number(index) : null,
    model: attrOf(node, "model"),
    iommu: attrOf(asNode(node)["driver"], "iommu") === "on",
  };
}
