import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("memory encryption must be requested, on the flavor or on the image", (t) => {
  hasProblem(t, problems(t, { name: "x", vcpus: 1, memory: 1024, disk: 1 }), "extraSpecs.hw:mem_encryption", /not requested/);
  hasProblem(t, problems(t, flavor({ "hw:mem_encryption": "false" })), "extraSpecs.hw:mem_encryption", /is false/);
  const fromImage = ok(t, { name: "x", vcpus: 1, memory: 1024, disk: 1 }, { hw_mem_encryption: true, hw_mem_encryption_model: "amd-sev-es" });
  t.is(fromImage.model, "sev-es");
  t.is(ok(t, flavor({ "hw:mem_encryption": "True" })).model, "sev", "Nova's string form");
});

test("Nova's bool_from_string forms: '1', 'yes', 'on' request encryption; '0', 'no', 'off' are false", (t) => {
  for (const v of ["1", "yes", "on", "t", "y", "TRUE"]) t.is(ok(t, flavor({ "hw:mem_encryption": v })).model, "sev", v);
  for (const v of ["0", "no", "off", "f", "n", "FALSE"])
    hasProblem(t, problems(t, flavor({ "hw:mem_encryption": v })), "extraSpecs.hw:mem_encryption", /is false/);
  t.is(ok(t, { name: "x", vcpus: 1, memory: 1024, disk: 1 }, { hw_mem_encryption: "1" }).model, "sev", "the image's Glance string");
});

test("'1' on the flavor and 'true' on the image agree; '0' against '1' is Nova's FlavorImageConflict, not a type error", (t) => {
  t.is(ok(t, flavor({ "hw:mem_encryption": "1" }), { hw_mem_encryption: "true" }).model, "sev");
  const list = problems(t, flavor({ "hw:mem_encryption": "0" }), { hw_mem_encryption: "1" });
  t.is(list.length, 1);
  hasProblem(t, list, "extraSpecs.hw:mem_encryption", /^Flavor's hw:mem_encryption extra spec \(0\) and image's hw_mem_encryption property \(1\) conflict/);
});

test("a string bool_from_string does not know is refused by the schema", (t) => {
  hasProblem(t, problems(t, flavor({ "hw:mem_encryption": "maybe" })), "extraSpecs.hw:mem_encryption", /must match pattern/);
});
