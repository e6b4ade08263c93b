import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("memory: MiB integers and binary sizes; a size that is not whole MiB is refused", (t) => {
  t.is(ok(t, flavor({}, { memory: "4G" })).memoryMiB, 4096);
  t.is(ok(t, flavor({}, { memory: "1.5GiB" })).memoryMiB, 1536);
  t.is(ok(t, flavor({}, { memory: "512M" })).memoryMiB, 512);
  t.is(ok(t, flavor({}, { memory: 2048 })).memoryMiB, 2048);
  hasProblem(t, problems(t, flavor({}, { memory: "1000K" })), "memory", /not a whole number of MiB/);
  hasProblem(t, problems(t, flavor({}, { memory: "4096" })), "memory", /must match exactly one schema/);
});

test("a memory size too large to hold is named as such, not 'could not be resolved'", (t) => {
  hasProblem(t, problems(t, flavor({}, { memory: "9999999T" })), "memory", /memory "9999999T" is too large/);
});
