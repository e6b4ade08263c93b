/** hw_scsi_model: the SCSI controller is virtio-scsi (the only one with <driver iommu='on'/>); unset means virtio-scsi. */
import { InputProblem } from "../../validate";
import { FlavorInput, imagePath, imageValue, Ruled } from "../settings";

export function scsiModelRule(input: FlavorInput): Ruled<"virtio-scsi"> {
  const problems: InputProblem[] = [];
  const model = imageValue(input, "scsi_model");
  if (model === undefined || model === "virtio-scsi") return { value: "virtio-scsi", problems };
  if (typeof model === "string") {
    problems.push({
      property: imagePath("scsi_model"),
      reason: `hw_scsi_model ${model} is refused: an SEV guest's SCSI controller must be virtio-scsi, the one whose DMA can go through SEV's bounce buffers (iommu='on'); use virtio-scsi or remove it`,
    });
  }
  return { value: undefined, problems };
}
