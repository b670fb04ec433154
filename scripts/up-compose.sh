#!/usr/bin/env bash
# `npm run up` (default mode): the multi-node cluster of deploy/compose. Installs what is missing,
# builds the images that are missing, starts the cluster, loads the demo and add-on images into its
# registry, waits for every node to be Ready, deploys DNS and kubia, writes ~/.minik8s/config, and
# checks the kubia URL answers. Safe to run again on a running cluster.
# usage: bash scripts/up-compose.sh [--nodes N] [--etcd-members 1|3] [--rebuild] [--no-demo]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source scripts/cluster-common.sh
t0=$SECONDS
nodes=${MINIK8S_NODES:-2}; etcd_members=${MINIK8S_ETCD_MEMBERS:-1}; rebuild=0; demo=1
while [ $# -gt 0 ]; do
  case $1 in
    --nodes) nodes=$2; shift 2 ;;
    --nodes=*) nodes=${1#--nodes=}; shift ;;
    --etcd-members) etcd_members=$2; shift 2 ;;
    --etcd-members=*) etcd_members=${1#--etcd-members=}; shift ;;
    --rebuild) rebuild=1; shift ;;
    --no-demo) demo=0; shift ;;
    *) echo "error: unknown argument $1 (see npm run up -- --help)" >&2; exit 2 ;;
  esac
done
[[ $nodes =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 40 ] || { echo "error: --nodes must be 1 to 40" >&2; exit 2; }
[ "$etcd_members" = 1 ] || [ "$etcd_members" = 3 ] || { echo "error: --etcd-members must be 1 or 3" >&2; exit 2; }
elapsed() { printf '%ss' $((SECONDS - t0)); }

API=172.31.250.6:6443 HEALTH=http://172.31.250.6:8080
minictl() { node "$repo/bin/minictl.js" --server "$API" "$@"; }

log "checking what is installed"
MINIK8S_NEED_COMPOSE=1 bash scripts/ensure-deps.sh

# The compose files: the fixed two-node file, plus overrides for more nodes or three etcd members.
mkdir -p "$state/compose"
rm -f "$state/compose/docker-compose.nodes.yml" "$state/compose/etcd3"
[ "$nodes" -gt 2 ] && bash deploy/compose/generate-nodes.sh "$nodes" > "$state/compose/docker-compose.nodes.yml"
[ "$etcd_members" = 3 ] && touch "$state/compose/etcd3"
services=(etcd-1 registry apiserver scheduler controller-manager)
[ "$etcd_members" = 3 ] && services+=(etcd-2 etcd-3)
for k in $(seq 1 "$nodes"); do services+=("node-$k"); done

images=(minik8s/etcd:3.4 minik8s/registry:2.8 minik8s/apiserver:dev minik8s/scheduler:dev minik8s/controller-manager:dev
        minik8s/node:dev minik8s/dns:dev minik8s/pause:3.9 minik8s/busybox:1.36 minik8s/kubia:v1 minik8s/kubia:v2)
missing=()
for image in "${images[@]}"; do
  [ "$rebuild" = 1 ] || ! docker image inspect "$image" >/dev/null 2>&1 && missing+=("$image")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "building images ($(elapsed)): ${missing[*]}"
  # pause and busybox first: the node image bakes them in.
  only=$(printf '%s\n' "${missing[@]}" | sed 's|minik8s/||; s|:.*||' | sort -u | paste -sd, -)
  [[ ,$only, == *,node,* ]] && only="pause,busybox,$only"
  skip=(); [ "$rebuild" = 0 ] && [ -n "${MINIK8S_SKIP_APP_BUILD:-}" ] && skip=(--skip-app-build)
  bash scripts/images/build.sh --only "$(printf '%s' "$only" | tr ',' '\n' | awk '!seen[$0]++' | paste -sd, -)" "${skip[@]}" | sed -u 's/^/    /'
fi

log "starting the cluster: ${services[*]} ($(elapsed))"
bash scripts/compose.sh up -d --remove-orphans "${services[@]}" 2>&1 | sed -u 's/^/    /'
if ! wait_until "the apiserver at $API" 120 curl -sf "$HEALTH/readyz"; then
  echo "error: the apiserver did not become ready; its log:" >&2
  bash scripts/compose.sh logs --tail 20 apiserver >&2
  exit 1
fi

log "loading images into the cluster registry ($(elapsed))"
wait_until "the registry" 60 curl -sf http://127.0.0.1:${MINIK8S_REGISTRY_PORT:-5000}/v2/
bash scripts/load-image.sh minik8s/dns:dev minik8s/busybox:1.36 minik8s/kubia:v1 minik8s/kubia:v2 2>&1 | sed -u 's/^/    /'

ready_nodes() { minictl get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l; }
all_ready() { [ "$(ready_nodes)" -ge "$nodes" ]; }
printf '    waiting for %s nodes to be Ready ' "$nodes"
deadline=$((SECONDS + 300)); last=-1
until all_ready; do
  n=$(ready_nodes)
  [ "$n" != "$last" ] && printf '%s/%s' "$n" "$nodes" && last=$n
  if [ $SECONDS -ge $deadline ]; then
    printf ' timed out\n'; minictl get nodes >&2 || true
    echo "error: not every node became Ready; see: bash scripts/compose.sh logs node-1" >&2
    exit 1
  fi
  printf '.'; sleep 2
done
printf ' %s/%s ready\n' "$nodes" "$nodes"

# Nodes of a bigger earlier run (node-K, K > N) are gone with their containers: so are their Nodes.
for extra in $(minictl get nodes -o name 2>/dev/null | sed -n 's|^node/node-\([0-9][0-9]*\)$|\1|p'); do
  [ "$extra" -gt "$nodes" ] && minictl delete node "node-$extra" | sed -u 's/^/    /'
done

write_config "$API"

log "deploying the DNS add-on ($(elapsed))"
minictl apply -f apps/dns/deploy/dns.yaml | sed -u 's/^/    /'
url=""
if [ "$demo" = 1 ]; then
  log "deploying kubia: a Deployment of 3 and a NodePort Service ($(elapsed))"
  minictl apply -f deploy/examples/kubia.yaml | sed -u 's/^/    /'
  kubia_ready() { [ "$(minictl get deploy kubia -n demo -o 'jsonpath={.status.availableReplicas}' 2>/dev/null)" = 3 ]; }
  wait_until "3 kubia pods to be available" 300 kubia_ready || { minictl get pods -n demo -o wide >&2; exit 1; }
  url="http://172.31.250.11:30080/"
  wait_until "kubia to answer on $url" 60 curl -sf --max-time 3 "$url"
  printf '    %s answers: %s\n' "$url" "$(curl -s --max-time 3 "$url")"
fi

hint=""
[ -n "$url" ] && hint="kubia answers on port 30080 of every node, e.g.  curl $url"$'\n'
cat <<TXT

minik8s is up in $(elapsed): $nodes node(s) in Docker, the apiserver at $API, $state/config written.
${hint}Try:
  npx minictl get nodes -o wide
  npx minictl get pods -A -o wide
  npx minictl scale deployment kubia -n demo --replicas 5
  npx minictl set image deployment/kubia kubia=minik8s/kubia:v2 -n demo && npx minictl rollout status deployment/kubia -n demo
  npm run load-image -- IMAGE          # make a locally built image pullable by pods
  bash scripts/compose.sh ps           # the cluster's containers (docker-compose -p minik8s ...)
Remove it with: npm run down
TXT
