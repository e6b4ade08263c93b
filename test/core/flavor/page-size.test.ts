import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("page sizes: small, large, any and explicit x86_64 sizes; others are refused", (t) => {
  const page = (v: string | number) => ok(t, flavor({ "hw:mem_page_size": v })).pageSize;
  t.is(page("small"), "small");
  t.is(page("large"), "large");
  t.is(page("any"), "any");
  t.is(page("4KB"), "small");
  t.is(page("2MB"), 2048);
  t.is(page("2048"), 2048, "a bare number is KiB, as in Nova");
  t.is(page(2048), 2048);
  t.is(page("1GB"), 1048576);
  hasProblem(t, problems(t, flavor({ "hw:mem_page_size": "3MB" })), "extraSpecs.hw:mem_page_size", /not an x86_64 page size/);
});
