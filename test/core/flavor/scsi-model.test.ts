import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("hw_scsi_model virtio-scsi (Nova's image property) is accepted, and is the default", (t) => {
  t.is(ok(t, flavor(), { hw_scsi_model: "virtio-scsi", hw_disk_bus: "scsi" }).bootDiskBus, "scsi");
  t.is(ok(t, flavor()).bootDiskBus, "scsi");
});

test("another SCSI controller model is refused: only virtio-scsi goes through SEV's bounce buffers", (t) => {
  hasProblem(t, problems(t, flavor(), { hw_scsi_model: "lsilogic" }), "image.hw_scsi_model", /^hw_scsi_model lsilogic is refused: .* must be virtio-scsi/);
  hasProblem(t, problems(t, flavor(), { hw_scsi_model: "megasas" } as never), "image.hw_scsi_model", /allowed values/);
});
