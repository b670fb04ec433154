#!/usr/bin/env bash
# Runs docker-compose on the minik8s compose cluster (project "minik8s"), with the override files
# that `npm run up` chose: docker-compose.nodes.yml (nodes beyond two) and docker-compose.etcd3.yml
# (three etcd members) when they are present in ~/.minik8s/compose/.
#   bash scripts/compose.sh ps | logs -f apiserver | stop node-2 | start node-2 | exec node-1 docker ps
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
state="${MINIK8S_HOME:-$HOME/.minik8s}/compose"
files=(-f "$repo/deploy/compose/docker-compose.yml")
[ -f "$state/etcd3" ] && files+=(-f "$repo/deploy/compose/docker-compose.etcd3.yml")
[ -f "$state/docker-compose.nodes.yml" ] && files+=(-f "$state/docker-compose.nodes.yml")
# Compose v1 (Debian's docker-compose 1.29) or the v2 plugin, whichever is installed.
if command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose); else compose=(docker compose); fi
exec "${compose[@]}" -p "${MINIK8S_COMPOSE_PROJECT:-minik8s}" --project-directory "$repo/deploy/compose" "${files[@]}" "$@"
