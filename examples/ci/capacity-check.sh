#!/usr/bin/env bash
# capacity-check.sh: the pull-request check of an infra repo that uses pulumi-sev.
#
#   capacity-check.sh --stack STACK --out FILE [--inventory FILE] [--project-dir DIR]
#
# Runs `pulumi preview` of STACK (slot accounting refuses an over-committed program there) and
# `sev-capacity --markdown` (readiness and slot use of every host), and writes one Markdown report,
# fit for a pull-request comment, to FILE. The hosts for sev-capacity come from --inventory, or else
# from the stack's config file (Pulumi.<stack>.yaml, its sev:inventory).
#
# The state backend and the secrets passphrase come from the environment, as for any pulumi command
# (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE or PULUMI_ACCESS_TOKEN); pulumi and npx on PATH.
#
# Exit status: 0 the preview passed and every host is ready with no pool over-committed; 1 otherwise
# (the report says why); 2 usage error (no report written).
set -uo pipefail

usage() {
  printf 'capacity-check.sh: %s\nUsage: capacity-check.sh --stack STACK --out FILE [--inventory FILE] [--project-dir DIR]\n' "$1" >&2
  exit 2
}

stack="" out="" inventory="" project_dir="."
while [ $# -gt 0 ]; do
  case "$1" in
    --stack|--out|--inventory|--project-dir)
      [ $# -ge 2 ] && [ -n "$2" ] || usage "$1 needs a value"
      case "$1" in
        --stack) stack=$2 ;;
        --out) out=$2 ;;
        --inventory) inventory=$2 ;;
        --project-dir) project_dir=$2 ;;
      esac
      shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown argument: $1" ;;
  esac
done
[ -n "$stack" ] || usage "--stack is required"
[ -n "$out" ] || usage "--out is required"
# Stack names as Pulumi allows them ([org/][project/]stack); the name also goes into the report.
[[ "$stack" =~ ^[A-Za-z0-9_.][A-Za-z0-9_./-]*$ ]] || usage "--stack is not a stack name: $stack"

# Paths given relative to where the script was called from, before moving into the project.
abs() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
out=$(abs "$out")
[ -z "$inventory" ] || inventory=$(abs "$inventory")
cd -- "$project_dir" || usage "--project-dir: cannot enter $project_dir"
[ -f Pulumi.yaml ] || usage "no Pulumi.yaml in $(pwd)"

work=$(mktemp -d) || exit 1
trap 'rm -rf -- "$work"' EXIT

echo "::group::pulumi preview --stack $stack" >&2
pulumi preview --stack "$stack" --non-interactive --color never --diff 2>&1 | tee -- "$work/preview.log" >&2
preview_status=${PIPESTATUS[0]}
echo "::endgroup::" >&2

capacity=(--markdown --quiet)
if [ -n "$inventory" ]; then
  capacity+=("--inventory=$inventory")
else
  capacity+=("--stack-config=Pulumi.${stack##*/}.yaml")
fi
# Slots held by this stack's guests are reported as "this stack" (sev-capacity drops the organisation).
if qualified=$(pulumi stack --stack "$stack" --non-interactive --show-name --fully-qualify-stack-names 2>/dev/null) && [ -n "$qualified" ]; then
  capacity+=("--stack=$qualified")
fi
# --no: only the sev-capacity installed in this project, never one fetched from the registry.
npx --no -- sev-capacity "${capacity[@]}" >"$work/capacity.md" 2>"$work/capacity.err"
capacity_status=$?
cat -- "$work/capacity.md" >&2
cat -- "$work/capacity.err" >&2

# A code fence longer than any run of backticks in the text it holds, so the text cannot end it.
fenced() {
  local longest
  longest=$(grep -o '`\+' -- "$1" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
  local fence='```'
  while [ "${#fence}" -le "$longest" ]; do fence="$fence\`"; done
  printf '%stext\n' "$fence"
  sed '$a\' -- "$1"
  printf '%s\n' "$fence"
}

{
  printf '<!-- sev-capacity-check stack=%s -->\n' "$stack"
  printf '## SEV capacity check: `%s`\n\n' "$stack"
  if [ "$preview_status" -eq 0 ]; then
    printf '**pulumi preview**: ✅ passed\n\n<details><summary>Plan</summary>\n\n'
    sed -n '/^Resources:/,$p' -- "$work/preview.log" | head -n 40 >"$work/plan.txt"
    fenced "$work/plan.txt"
  else
    printf '**pulumi preview**: ❌ failed (exit %s)\n\n' "$preview_status"
    # The engine's errors first; the end of its output below, open when there are no error lines.
    grep -iE '^[[:space:]]*error:' -- "$work/preview.log" | sed 's/^[[:space:]]*//' | head -n 50 >"$work/errors.txt"
    if [ -s "$work/errors.txt" ]; then
      fenced "$work/errors.txt"
      printf '\n<details><summary>End of the preview output</summary>\n\n'
    else
      printf '<details open><summary>End of the preview output</summary>\n\n'
    fi
    tail -n 60 -- "$work/preview.log" >"$work/plan.txt"
    fenced "$work/plan.txt"
  fi
  printf '\n</details>\n\n'
  if [ "$capacity_status" -eq 0 ] || [ "$capacity_status" -eq 1 ]; then
    cat -- "$work/capacity.md"
  else
    printf '### SEV capacity\n\n❌ sev-capacity could not run (exit %s):\n\n' "$capacity_status"
    fenced "$work/capacity.err"
  fi
  printf '\n'
  reasons=""
  [ "$preview_status" -eq 0 ] || reasons="the preview failed"
  if [ "$capacity_status" -eq 1 ]; then
    reasons="${reasons:+$reasons; }a host is not ready, could not be probed, or has a pool over-committed"
  elif [ "$capacity_status" -ne 0 ]; then
    reasons="${reasons:+$reasons; }sev-capacity could not run"
  fi
  if [ -z "$reasons" ]; then
    printf '**Result**: ✅ the change fits.\n'
  else
    printf '**Result**: ❌ %s.\n' "$reasons"
  fi
} >"$work/report.md"

# Never into a comment: pulumi prints the backend URL, password and all, when it cannot open it.
secrets=()
[ -z "${PULUMI_BACKEND_URL:-}" ] || secrets+=("$PULUMI_BACKEND_URL")
if [[ "${PULUMI_BACKEND_URL:-}" =~ ^[A-Za-z0-9+.-]+://[^/@]*:([^/@]+)@ ]]; then secrets+=("${BASH_REMATCH[1]}"); fi
for name in PULUMI_CONFIG_PASSPHRASE PULUMI_ACCESS_TOKEN PGPASSWORD; do
  [ -z "${!name:-}" ] || secrets+=("${!name}")
done
report=$(cat -- "$work/report.md")
for secret in "${secrets[@]}"; do
  [ "${#secret}" -lt 4 ] || report=${report//"$secret"/[redacted]}
done
printf '%s\n' "$report" >"$out" || exit 1

[ "$preview_status" -eq 0 ] && [ "$capacity_status" -eq 0 ]
