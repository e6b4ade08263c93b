import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("sata is accepted as the boot disk bus", (t) => {
  t.is(ok(t, flavor({ "pulumi-sev:disk_bus": "sata" })).bootDiskBus, "sata");
  t.is(ok(t, flavor(), { hw_disk_bus: "sata" }).bootDiskBus, "sata");
});

test("a virtio (virtio-blk) boot disk is refused, with the reason from the Nova SEV spec", (t) => {
  const list = problems(t, flavor({ "pulumi-sev:disk_bus": "virtio" }));
  hasProblem(t, list, "extraSpecs.pulumi-sev:disk_bus", /virtio is refused for the boot disk: the boot disk of an SEV guest cannot be virtio-blk/);
  hasProblem(t, list, "extraSpecs.pulumi-sev:disk_bus", /bounce buffers/);
  hasProblem(t, list, "extraSpecs.pulumi-sev:disk_bus", /use scsi \(on virtio-scsi\) or sata/);
  hasProblem(t, problems(t, flavor(), { hw_disk_bus: "virtio" }), "image.hw_disk_bus", /^hw_disk_bus virtio is refused/);
});

test("IDE, USB and floppy boot disks are refused", (t) => {
  hasProblem(t, problems(t, flavor({ "pulumi-sev:disk_bus": "ide" })), "extraSpecs.pulumi-sev:disk_bus", /no IDE controller/);
  hasProblem(t, problems(t, flavor({ "pulumi-sev:disk_bus": "usb" })), "extraSpecs.pulumi-sev:disk_bus", /usb is refused/);
  hasProblem(t, problems(t, flavor({ "pulumi-sev:disk_bus": "fdc" })), "extraSpecs.pulumi-sev:disk_bus", /fdc is refused/);
});
