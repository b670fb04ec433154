#!/usr/bin/env bash
# `npm run down`: removes what `npm run up` started, in either mode: the compose cluster (its
# containers, network and volumes) and the local processes with their state. The config stays.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cluster-common.sh
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 \
   && [ -n "$(docker ps -aq --filter label=com.docker.compose.project="${MINIK8S_COMPOSE_PROJECT:-minik8s}")" ]; then
  log "removing the compose cluster (containers, network, volumes)"
  bash scripts/compose.sh down -v --remove-orphans -t 30
  # The nodes' engines made cgroups under /node-K (--cgroup-parent); empty now, they go too (a
  # cgroup still in use by anything else refuses rmdir and stays).
  [ -d /sys/fs/cgroup ] && find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -regex '.*/node-[0-9]+' 2>/dev/null \
    | while read -r d; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
fi
# Volumes of nodes that an earlier, bigger `--nodes` run made are not in the compose files any more.
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  docker volume ls -q --filter label=com.docker.compose.project="${MINIK8S_COMPOSE_PROJECT:-minik8s}" | xargs -r docker volume rm >/dev/null
fi
rm -rf "$state/compose"
[ -d "$state/local" ] && bash scripts/down-local.sh
log "minik8s is down"
