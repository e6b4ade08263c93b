import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("SEV-SNP needs stateless firmware: an image that says otherwise is refused", (t) => {
  hasProblem(
    t,
    problems(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }), { hw_firmware_stateless: false }),
    "image.hw_firmware_stateless",
    /amd-sev-snp needs stateless firmware/,
  );
  t.true(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }), { hw_firmware_stateless: true }).firmwareStateless);
  t.true(ok(t, flavor(), { hw_firmware_stateless: true }).firmwareStateless, "SEV may ask for it too");
});

test("hw_firmware_stateless as Glance stores it: 'true', 'True', '1' (Nova's own SNP image)", (t) => {
  for (const v of ["true", "True", "1"]) t.true(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }), { hw_firmware_stateless: v }).firmwareStateless, v);
  t.true(ok(t, flavor(), { hw_firmware_stateless: "yes" }).firmwareStateless);
  t.false(ok(t, flavor(), { hw_firmware_stateless: "False" }).firmwareStateless);
  hasProblem(
    t,
    problems(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }), { hw_firmware_stateless: "0" }),
    "image.hw_firmware_stateless",
    /needs stateless firmware/,
  );
});
