import test from "ava";
import { ImageProperties } from "../../../provider/core/flavor";
import { boolFromString } from "../../../provider/core/flavor/settings";
import { flavor, ok, problems, Specs } from "./helpers";

test("a flavor/image conflict names both values, in Nova's FlavorImageConflict wording", (t) => {
  const list = problems(t, flavor({ "hw:mem_encryption_model": "amd-sev" }), { hw_mem_encryption_model: "amd-sev-es" });
  t.is(list.length, 1);
  t.is(list[0].property, "extraSpecs.hw:mem_encryption_model");
  t.true(
    list[0].reason.startsWith("Flavor's hw:mem_encryption_model extra spec (amd-sev) and image's hw_mem_encryption_model property (amd-sev-es) conflict: "),
    list[0].reason,
  );
});

test("every merged setting conflicts the same way", (t) => {
  const cases: Array<[Specs, ImageProperties, string]> = [
    [
      { "pulumi-sev:machine_type": "q35" },
      { hw_machine_type: "pc-q35-8.2" },
      "Flavor's pulumi-sev:machine_type extra spec (q35) and image's hw_machine_type property (pc-q35-8.2) conflict",
    ],
    [
      { "pulumi-sev:disk_bus": "scsi" },
      { hw_disk_bus: "sata" },
      "Flavor's pulumi-sev:disk_bus extra spec (scsi) and image's hw_disk_bus property (sata) conflict",
    ],
    [
      { "pulumi-sev:firmware_type": "uefi" },
      { hw_firmware_type: "bios" },
      "Flavor's pulumi-sev:firmware_type extra spec (uefi) and image's hw_firmware_type property (bios) conflict",
    ],
    [
      { "hw:mem_encryption": "true" },
      { hw_mem_encryption: false },
      "Flavor's hw:mem_encryption extra spec (true) and image's hw_mem_encryption property (false) conflict",
    ],
  ];
  for (const [specs, image, message] of cases) {
    const list = problems(t, flavor(specs), image);
    t.true(
      list.some((p) => p.reason.startsWith(message)),
      `${message}\n got: ${list.map((p) => p.reason).join("\n")}`,
    );
  }
});

test("the same value on flavor and image is no conflict", (t) => {
  const r = ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es", "pulumi-sev:disk_bus": "sata" }), {
    hw_mem_encryption: "true",
    hw_mem_encryption_model: "amd-sev-es",
    hw_disk_bus: "sata",
  });
  t.is(r.model, "sev-es");
  t.is(r.bootDiskBus, "sata");
});

test("bool_from_string: Nova's words in any case, blanks ignored; anything else is unreadable", (t) => {
  for (const v of ["1", "t", "true", "True", "TRUE", "on", "On", "y", "yes", "YES", " true "]) t.is(boolFromString(v), true, v);
  for (const v of ["0", "f", "false", "False", "off", "n", "no", "NO"]) t.is(boolFromString(v), false, v);
  t.is(boolFromString(true), true);
  t.is(boolFromString(false), false);
  for (const v of ["", "2", "maybe", "truthy", 1, null]) t.is(boolFromString(v), undefined, String(v));
});
