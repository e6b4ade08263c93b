/**
 * hw_disk_bus (or the pulumi-sev:disk_bus extension) for the boot disk: scsi (on virtio-scsi, the
 * default) or sata. The boot disk may not be virtio-blk.
 */
import { InputProblem } from "../../validate";
import { FlavorInput, merge, oneOf, Ruled } from "../settings";

/** The buses an SEV guest's boot disk may use: virtio-blk is refused (the bounce buffers SEV's encrypted DMA goes through, per Nova's SEV spec). */
export type BootDiskBus = "scsi" | "sata";

const DISK_BUSES = ["scsi", "sata", "virtio", "ide", "usb", "fdc"];

function refusal(bus: string, label: string): string | null {
  if (bus === "virtio") {
    return (
      `${label} virtio is refused for the boot disk: the boot disk of an SEV guest cannot be virtio-blk ` +
      `(a resource constraint with the bounce buffers SEV's encrypted DMA goes through, per the Nova SEV spec); use scsi (on virtio-scsi) or sata`
    );
  }
  if (bus === "ide") return `${label} ide is refused: a q35 machine has no IDE controller; use scsi (on virtio-scsi) or sata`;
  if (bus === "usb" || bus === "fdc") return `${label} ${bus} is refused for the boot disk of an SEV guest; use scsi (on virtio-scsi) or sata`;
  return null;
}

export function bootDiskBusRule(input: FlavorInput): Ruled<BootDiskBus> {
  const problems: InputProblem[] = [];
  const bus = merge<string>(input, "disk_bus", (v) => oneOf(v, DISK_BUSES), problems);
  const value = bus.value ?? (bus.from === "" ? "scsi" : undefined);
  const refused = value === undefined ? null : refusal(value, bus.label);
  if (refused !== null) problems.push({ property: bus.from, reason: refused });
  return { value: value === "scsi" || value === "sata" ? value : undefined, problems };
}
