import test from "ava";
import { parseSize, sliceLimit } from "../../provider/core/memory";

const GiB = 1024 ** 3;

const SIZES: Array<[string | number, number]> = [
  ["64G", 64 * GiB],
  ["64g", 64 * GiB],
  ["64GiB", 64 * GiB],
  ["64GB", 64 * GiB],
  ["512MiB", 512 * 1024 ** 2],
  ["512m", 512 * 1024 ** 2],
  ["1.5T", 1.5 * 1024 ** 4],
  ["4K", 4096],
  ["100B", 100],
  [1073741824, GiB],
  ["1073741824", GiB],
  [" 2 G ", 2 * GiB],
  ["0", 0],
  ["1.5K", 1536],
  ["0.3K", 307],
];

for (const [input, bytes] of SIZES) {
  test(`parseSize(${JSON.stringify(input)}) = ${bytes}`, (t) => t.is(parseSize(input), bytes));
}

test("parseSize rejects garbage and negatives", (t) => {
  for (const bad of ["", "G", "lots", "64X", "64 GiBs", "-1G", "1e9", "64i", "1..5G", "infinity"]) {
    t.throws(() => parseSize(bad), { message: /invalid size/ }, bad);
  }
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => parseSize(bad), { message: /invalid size/ }, String(bad));
  }
  t.throws(() => parseSize("99999999E"), { message: /too large/ });
});

test("sliceLimit: MemTotal minus the reservation", (t) => {
  t.is(sliceLimit(64 * GiB, { reserve: "8G" }), 56 * GiB);
  t.is(sliceLimit(64 * GiB, { reserve: 512 * 1024 ** 2 }), 64 * GiB - 512 * 1024 ** 2);
});

test("sliceLimit: a reservation at or above MemTotal is an error", (t) => {
  t.throws(() => sliceLimit(64 * GiB, { reserve: "64G" }), { message: /not below MemTotal/ });
  t.throws(() => sliceLimit(64 * GiB, { reserve: "1T" }), { message: /not below MemTotal/ });
});

test("sliceLimit: an explicit limit within MemTotal", (t) => {
  t.is(sliceLimit(64 * GiB, { limit: "48G" }), 48 * GiB);
  t.throws(() => sliceLimit(64 * GiB, { limit: "65G" }), { message: /exceeds MemTotal/ });
  t.throws(() => sliceLimit(64 * GiB, { limit: 0 }), { message: /above 0/ });
});

test("sliceLimit: exactly one of limit and reserve", (t) => {
  t.throws(() => sliceLimit(64 * GiB, {}), { message: /either a memory limit or a reservation/ });
  t.throws(() => sliceLimit(64 * GiB, { limit: "1G", reserve: "1G" }), { message: /either a memory limit or a reservation/ });
  t.throws(() => sliceLimit(0, { reserve: "1G" }), { message: /MemTotal 0/ });
});
