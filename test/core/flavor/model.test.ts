import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("amd-sev is the default; the flavor's or the image's model is taken", (t) => {
  t.is(ok(t, flavor()).model, "sev");
  t.is(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" })).model, "sev-es");
  t.is(ok(t, flavor(), { hw_mem_encryption_model: "amd-sev-snp" }).model, "sev-snp");
});

test("an unknown model is the schema's to refuse, and leaves the policy unjudged", (t) => {
  const list = problems(t, flavor({ "hw:mem_encryption_model": "amd-tdx" } as never, { policy: "0x0037" }));
  hasProblem(t, list, "extraSpecs.hw:mem_encryption_model", /allowed values/);
  t.false(list.some((p) => p.property === "policy"));
});
