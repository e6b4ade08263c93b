// The unit tier (npm run test:unit): every pure test. No root, no lab, no libvirt, no network, no
// child processes (test/helpers/hermetic.ts refuses both), one process per file; test/ci/unit-tier.test.ts
// runs it with PATH holding only node. npm test runs it right after lint and stops at its first failure.
import { UNIT_TESTS } from "./scripts/tiers.mjs";

export default {
  files: UNIT_TESTS,
  require: ["./dist/test/helpers/hermetic.js"],
  workerThreads: false,
  timeout: "1m",
};
