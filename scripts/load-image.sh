#!/usr/bin/env bash
# `minik8s load-image IMAGE...` (or `npm run load-image -- IMAGE...`): makes locally built images
# pullable by the pods of the compose cluster.
# Docker Hub names (minik8s/kubia:v1, busybox) are pushed into the cluster registry, which every
# node's engine uses as a Docker Hub mirror, so manifests keep the usual name. Images naming another
# registry, or any image when the registry does not answer, are copied into each running node
# with `docker save | docker load` instead.
# usage: minik8s load-image [--nodes-only] IMAGE...
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
registry="127.0.0.1:${MINIK8S_REGISTRY_PORT:-5000}"
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

nodes_only=0; images=()
for a in "$@"; do
  case $a in
    --nodes-only) nodes_only=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown flag $a" ;;
    *) images+=("$a") ;;
  esac
done
[ ${#images[@]} -gt 0 ] || die "no image given (usage: minik8s load-image IMAGE...)"

# The repository path a Docker Hub reference has in a registry (library/ for official images),
# or nothing for a reference that names its own registry.
hub_path() {
  local ref=$1 first=${1%%/*}
  if [[ $ref == */* ]] && { [[ $first == *.* ]] || [[ $first == *:* ]] || [ "$first" = localhost ]; }; then
    [ "$first" = docker.io ] && ref=${ref#docker.io/} || return 0
  fi
  [[ $ref == */* ]] || ref="library/$ref"
  [[ ${ref##*/} == *:* || $ref == *@* ]] || ref="$ref:latest"
  printf '%s' "$ref"
}

registry_up() { curl -sf -o /dev/null --max-time 5 "http://$registry/v2/"; }

load_into_nodes() {
  local image=$1 nodes
  nodes=$(bash "$repo/scripts/compose.sh" ps -q 2>/dev/null | xargs -r docker inspect -f '{{.Name}} {{.Config.Image}} {{.State.Running}}' \
    | awk '$2 ~ /minik8s\/node/ && $3 == "true" {sub(/^\//, "", $1); print $1}')
  [ -n "$nodes" ] || die "no running node of the compose cluster to load $image into (npm run up first)"
  for n in $nodes; do
    log "loading $image into $n"
    docker save "$image" | docker exec -i "$n" docker load -q >/dev/null
  done
}

for image in "${images[@]}"; do
  docker image inspect "$image" >/dev/null 2>&1 || die "image $image is not on this machine (build it first)"
  path=$(hub_path "$image")
  if [ "$nodes_only" = 0 ] && [ -n "$path" ] && registry_up; then
    log "pushing $image to the cluster registry ($registry/$path)"
    docker tag "$image" "$registry/$path"
    docker push -q "$registry/$path" >/dev/null || { docker rmi "$registry/$path" >/dev/null 2>&1; die "pushing $image failed"; }
    docker rmi "$registry/$path" >/dev/null
  else
    [ -n "$path" ] || log "$image names its own registry; the nodes' mirror cannot serve it"
    load_into_nodes "$image"
  fi
done
