#!/usr/bin/env bash
# npm test: install what is missing, build, lint (typescript-eslint, prettier), run every ava test
# (unit, lab over SSH, Pulumi engine). A lint error fails the run, after the tests have run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prepare.sh
mkdir -p .lab
set +e
npm run -s lint
lint=$?
npx ava --tap "$@" 2>&1 | tee .lab/ava.tap
status=${PIPESTATUS[0]}
set -e
pass=$(sed -n 's/^# pass *\([0-9]*\)$/\1/p' .lab/ava.tap | tail -n 1)
fail=$(sed -n 's/^# fail *\([0-9]*\)$/\1/p' .lab/ava.tap | tail -n 1)
skip=$(sed -n 's/^# skip *\([0-9]*\)$/\1/p' .lab/ava.tap | tail -n 1)
echo "ava: ${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
[ "$lint" -eq 0 ] || echo "lint failed (npm run lint): see its report above" >&2
[ "$status" -ne 0 ] && exit "$status"
exit "$lint"
