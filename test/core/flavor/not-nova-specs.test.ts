import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("hw:machine_type, hw:firmware_type and hw:disk_bus are not Nova extra specs: each is refused once, naming the image property and the extension", (t) => {
  const list = problems(t, flavor({ "hw:machine_type": "q35", "hw:firmware_type": "uefi", "hw:disk_bus": "sata" } as never));
  hasProblem(
    t,
    list,
    "extraSpecs.hw:machine_type",
    /^hw:machine_type is not a Nova flavor extra spec \(Nova reads it from the image property hw_machine_type\): set the guest's image property hw_machine_type, or this provider's flavor extension pulumi-sev:machine_type$/,
  );
  hasProblem(t, list, "extraSpecs.hw:firmware_type", /image property hw_firmware_type, or this provider's flavor extension pulumi-sev:firmware_type/);
  hasProblem(t, list, "extraSpecs.hw:disk_bus", /image property hw_disk_bus, or this provider's flavor extension pulumi-sev:disk_bus/);
  t.is(list.length, 3, "no second 'unknown property' from the schema");
});

test("the extensions and Nova's image properties are accepted", (t) => {
  t.is(ok(t, flavor({ "pulumi-sev:disk_bus": "sata" })).bootDiskBus, "sata");
  t.is(ok(t, flavor(), { hw_disk_bus: "sata", hw_machine_type: "pc-q35-8.2", hw_firmware_type: "uefi" }).machineType, "pc-q35-8.2");
});
