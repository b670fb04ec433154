#!/usr/bin/env bash
# `npm run e2e`: the end-to-end scenarios (e2e/src/cluster) against the cluster ~/.minik8s/config
# names (MINIK8S_E2E_SERVER overrides it); it must have at least two Ready nodes (`npm run up`).
# Extra arguments go to vitest, e.g. `npm run e2e -- src/cluster/services`.
set -euo pipefail
cd "$(dirname "$0")/.."
export MINIK8S_E2E_NO_START=1
exec npx vitest run --config e2e/vitest.cluster.config.mts "$@"
