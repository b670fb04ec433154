#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every project's tests (unit and integration
# against a real etcd the tests start themselves) in one vitest run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
report=$(mktemp -t minik8s-vitest-XXXXXX.json)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --config vitest.workspace.mts --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node scripts/test-summary.mjs "$report" || true
exit $status
