// The test tiers. The unit tier holds every pure test (ava.unit.config.mjs runs it); every other test
// file (lab over SSH, libvirt, the Pulumi engine, PostgreSQL) is the rest, which npm test runs after it.
// `node scripts/tiers.mjs rest` prints the rest's files, one per line, for scripts/test.sh.
import { globSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

export const UNIT_TESTS = [
  "dist/test/core/**/*.test.js",
  "dist/test/guest/plans.test.js",
  "dist/test/guest/launch.test.js",
  "dist/test/guest/admission.test.js",
  "dist/test/effects/*.test.js",
  "dist/test/host/recent.test.js",
  "dist/test/host/ssh-config.test.js",
  "dist/test/policy/policies.test.js",
  "dist/test/resources/*.test.js",
  "dist/test/cli/units.test.js",
  "dist/test/docs/public-api.test.js",
];

export function restTests(root) {
  const unit = new Set(UNIT_TESTS.flatMap((g) => globSync(g, { cwd: root })));
  return globSync("dist/test/**/*.test.js", { cwd: root })
    .filter((f) => !unit.has(f))
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "rest") {
  for (const f of restTests(dirname(dirname(fileURLToPath(import.meta.url))))) console.log(f);
}
