#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every project's tests (unit and integration
# against a real etcd the tests start themselves) in one vitest run, then, alone because it stops
# every container on the machine, the compose cluster surviving a restart of the host's Docker
# engine (e2e/vitest.docker-restart.config.mts) when MINIK8S_E2E_DOCKER_RESTART=1 (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
report=$(mktemp -t minik8s-vitest-XXXXXX.json)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --config vitest.workspace.mts --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node scripts/test-summary.mjs "$report" || true

if [ "${MINIK8S_E2E_DOCKER_RESTART:-}" != 1 ]; then
  printf '==> skipped: the Docker engine restart scenario (it restarts this machine'"'"'s Docker engine); run it with MINIK8S_E2E_DOCKER_RESTART=1 npm test\n'
elif [ $# -gt 0 ]; then
  printf '==> skipped: the Docker engine restart scenario, as only some tests were asked for (%s)\n' "$*"
else
  printf '==> the compose cluster through a restart of the Docker engine (MINIK8S_E2E_DOCKER_RESTART=1)\n'
  npx vitest run --config e2e/vitest.docker-restart.config.mts || status=$?
fi
exit $status
