#!/usr/bin/env bash
# `npm run up -- --local`: installs what is missing, starts etcd, the apiserver, the controller-manager,
# the scheduler and one kubelet as local processes on this machine (state and logs under
# ~/.minik8s/local), the kubelet's pods on this machine's Docker, and writes ~/.minik8s/config.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source scripts/cluster-common.sh
run="$state/local"
etcd_port="${MINIK8S_ETCD_PORT:-2379}"
api_port="${MINIK8S_API_PORT:-6443}"
health_port="${MINIK8S_HEALTH_PORT:-8080}"
mkdir -p "$run"

bash scripts/ensure-deps.sh

running() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

if running etcd; then
  log "etcd already running (pid $(cat "$run/etcd.pid"))"
else
  log "starting etcd on 127.0.0.1:$etcd_port (data in $run/etcd-data)"
  setsid etcd --name minik8s --data-dir "$run/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "minik8s=http://127.0.0.1:$((etcd_port + 1))" \
    >"$run/etcd.log" 2>&1 < /dev/null &
  echo $! > "$run/etcd.pid"
fi
wait_until etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

if running apiserver; then
  log "apiserver already running (pid $(cat "$run/apiserver.pid"))"
else
  log "starting the apiserver on 127.0.0.1:$api_port (health and metrics on :$health_port)"
  setsid node "$repo/bin/minik8s.js" apiserver --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --secure-port "$api_port" --health-port "$health_port" --log-format json \
    >"$run/apiserver.log" 2>&1 < /dev/null &
  echo $! > "$run/apiserver.pid"
fi
if ! wait_until apiserver 60 curl -sf "http://127.0.0.1:$health_port/readyz"; then
  echo "error: the apiserver did not become ready; its log is $run/apiserver.log" >&2
  tail -20 "$run/apiserver.log" >&2
  exit 1
fi

# The control plane's other components, each a separate process that talks only to the apiserver.
start_component() {
  local name=$1; shift
  if [ ! -f "apps/$name/src/main.ts" ]; then return; fi
  if running "$name"; then
    log "$name already running (pid $(cat "$run/$name.pid"))"
    return
  fi
  log "starting the $name"
  setsid node "$repo/bin/minik8s.js" "$name" --server "127.0.0.1:$api_port" --log-format json "$@" \
    >"$run/$name.log" 2>&1 < /dev/null &
  echo $! > "$run/$name.pid"
}
start_component controller-manager --leader-elect
start_component scheduler --leader-elect

# One node on this machine's Docker: the kubelet needs the pause image, and the demo its app.
node_name="${MINIK8S_NODE_NAME:-$(hostname | tr '[:upper:]' '[:lower:]')}"
missing_images=()
for image in minik8s/pause:3.9 minik8s/busybox:1.36 minik8s/kubia:v1; do
  docker image inspect "$image" >/dev/null 2>&1 || missing_images+=("$image")
done
if [ ${#missing_images[@]} -gt 0 ]; then
  log "building the images the node needs (${missing_images[*]})"
  bash scripts/images/build.sh --only pause,busybox,kubia --skip-app-build
fi
echo "$node_name" > "$run/node-name"
# One node: no routes to other nodes to program, so leave this machine's iptables to Docker.
start_component kubelet --node-name "$node_name" --node-ip 127.0.0.1 --root-dir "$run/kubelet" --network-plugin none
node_ready() { node "$repo/bin/minictl.js" --server "127.0.0.1:$api_port" get nodes --no-headers 2>/dev/null | grep -Eq "^$node_name +Ready"; }
if ! wait_until "node $node_name to be Ready" 240 node_ready; then
  echo "error: the node did not become Ready; its log is $run/kubelet.log" >&2
  tail -20 "$run/kubelet.log" >&2
  exit 1
fi

write_config "127.0.0.1:$api_port"

cat <<TXT

minik8s is up: etcd on 127.0.0.1:$etcd_port, the apiserver on 127.0.0.1:$api_port,
the controller-manager and scheduler beside them, and node "$node_name" on this machine's Docker.
Logs are in $run. Try:

  npx minictl get namespaces
  npx minictl apply -f deploy/examples/kubia.yaml
  npx minictl get all -n demo -o wide      # then: curl http://<pod IP>:8080/
  npx minictl api-resources

Stop it all with: npm run down
TXT
