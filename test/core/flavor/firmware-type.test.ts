import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("BIOS firmware is refused, from the flavor or the image", (t) => {
  hasProblem(
    t,
    problems(t, flavor({ "pulumi-sev:firmware_type": "bios" })),
    "extraSpecs.pulumi-sev:firmware_type",
    /bios is refused: SEV guests boot only with UEFI/,
  );
  hasProblem(t, problems(t, flavor(), { hw_firmware_type: "bios" }), "image.hw_firmware_type", /^hw_firmware_type bios is refused/);
  t.is(ok(t, flavor({ "pulumi-sev:firmware_type": "uefi" }), { hw_firmware_type: "uefi" }).firmware, "uefi");
});
