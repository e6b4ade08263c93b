/** Warnings outside a provider process (sev-capacity, tests) go to stderr, one line each. */
import test from "ava";
import { warn } from "../../provider/effects/engine-log";

test("outside the engine a warning is one stderr line", async (t) => {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
  try {
    await warn("host epyc-01: SME is off", "urn:x");
  } finally {
    process.stderr.write = write;
  }
  t.deepEqual(written, ["warning: host epyc-01: SME is off\n"]);
});
