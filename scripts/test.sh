#!/usr/bin/env bash
# npm test: install what is missing, build, then in order, stopping at the first failure:
#   1. lint (typescript-eslint, prettier, no import cycle: npm run lint);
#   2. the unit tier (npm run test:unit: every pure test, hermetic; ava.unit.config.mjs);
#   3. the rest (lab over SSH, libvirt, the Pulumi engine, PostgreSQL): scripts/tiers.mjs lists it.
# With arguments (test files under dist/test), lint and then only those files.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prepare.sh
mkdir -p .lab
npm run -s lint || { echo "lint failed (npm run lint): see its report above; no test was run" >&2; exit 1; }

# Runs ava with its arguments; prints the tally; returns ava's status.
tally() {
  set +e
  npx ava --tap "$@" 2>&1 | tee .lab/ava.tap
  local status=${PIPESTATUS[0]}
  set -e
  local pass fail skip
  pass=$(sed -n 's/^# pass *\([0-9]*\)$/\1/p' .lab/ava.tap | tail -n 1)
  fail=$(sed -n 's/^# fail *\([0-9]*\)$/\1/p' .lab/ava.tap | tail -n 1)
  skip=$(sed -n 's/^# skip *\([0-9]*\)$/\1/p' .lab/ava.tap | tail -n 1)
  echo "ava: ${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
  return "$status"
}

if [ "$#" -gt 0 ]; then
  tally "$@"
  exit $?
fi
echo "unit tier (npm run test:unit)"
tally --config ava.unit.config.mjs || { echo "the unit tier failed: the other tiers were not run" >&2; exit 1; }
mapfile -t rest < <(node scripts/tiers.mjs rest)
echo "the other tiers: ${#rest[@]} test files"
tally "${rest[@]}"
