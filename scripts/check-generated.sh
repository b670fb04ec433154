#!/usr/bin/env bash
# Fails when libs/api/src/generated differs from what `npm run generate` produces from proto/.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent generate >/dev/null
if ! git diff --quiet -- libs/api/src/generated || [ -n "$(git status --porcelain -- libs/api/src/generated)" ]; then
  echo "error: libs/api/src/generated is stale; run 'npm run generate' and commit the result:" >&2
  git status --short -- libs/api/src/generated >&2
  exit 1
fi
echo "generated code is up to date"
