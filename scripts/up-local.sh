#!/usr/bin/env bash
# `npm run up -- --local`: installs what is missing, starts etcd, the apiserver, the controller-manager,
# the scheduler, and one node's kubelet and proxy as local processes on this machine (state and logs
# under ~/.minik8s/local), the kubelet's pods on this machine's Docker and the proxy's Service rules
# in this machine's iptables, deploys the DNS add-on as in the compose cluster, and writes
# ~/.minik8s/config. The node's address is this machine's (the source of its default route;
# MINIK8S_NODE_IP overrides it): pods reach the apiserver there, through the kubernetes Service.
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

# The node's address: pods cannot reach 127.0.0.1 of the host, so the apiserver listens on every
# address (as kube-apiserver does by default) and advertises this one as the kubernetes Service's endpoint.
node_ip="${MINIK8S_NODE_IP:-$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')}"
[ -n "$node_ip" ] || node_ip=$(hostname -I 2>/dev/null | awk '{print $1}')
[ -n "$node_ip" ] || { echo "error: this machine has no IPv4 address for the node; set MINIK8S_NODE_IP" >&2; exit 1; }

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
  log "starting the apiserver on 0.0.0.0:$api_port, advertised at $node_ip (health and metrics on :$health_port)"
  # The young generation as the apiserver's image sets it (see deploy/images/apiserver/Dockerfile).
  setsid node --max-semi-space-size=64 "$repo/bin/minik8s.js" apiserver --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 0.0.0.0 --advertise-address "$node_ip" --secure-port "$api_port" --health-port "$health_port" --log-format json \
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

# One node on this machine's Docker: the kubelet needs the pause image, DNS its image, the demo its app.
node_name="${MINIK8S_NODE_NAME:-$(hostname | tr '[:upper:]' '[:lower:]')}"
missing_images=()
for image in minik8s/pause:3.9 minik8s/busybox:1.36 minik8s/kubia:v1 minik8s/dns:dev; do
  docker image inspect "$image" >/dev/null 2>&1 || missing_images+=("$image")
done
if [ ${#missing_images[@]} -gt 0 ]; then
  log "building the images the node needs (${missing_images[*]})"
  skip=(--skip-app-build)
  # The dns image holds the dns app's bundle: build the bundles unless they are there.
  [ -f dist/apps/dns/main.js ] || skip=()
  bash scripts/images/build.sh --only pause,busybox,kubia,dns "${skip[@]}"
fi
echo "$node_name" > "$run/node-name"
# One node: no routes to other nodes (--network-plugin none); the proxy writes this machine's
# iptables for Services, and `npm run down` removes its rules (minik8s proxy --cleanup).
start_component kubelet --node-name "$node_name" --node-ip "$node_ip" --root-dir "$run/kubelet" --network-plugin none \
  --cluster-dns 10.96.0.10
if [ "$(id -u)" = 0 ]; then
  start_component proxy --node-name "$node_name" --node-ip "$node_ip" --cluster-cidr 10.244.0.0/16
else
  log "not starting the proxy: it writes iptables rules, which needs root (Services' cluster IPs and DNS will not answer)"
fi
node_ready() { node "$repo/bin/minictl.js" --server "127.0.0.1:$api_port" get nodes --no-headers 2>/dev/null | grep -Eq "^$node_name +Ready"; }
if ! wait_until "node $node_name to be Ready" 240 node_ready; then
  echo "error: the node did not become Ready; its log is $run/kubelet.log" >&2
  tail -20 "$run/kubelet.log" >&2
  exit 1
fi

write_config "127.0.0.1:$api_port"

log "deploying the DNS add-on (kube-dns at 10.96.0.10)"
node "$repo/bin/minictl.js" --server "127.0.0.1:$api_port" apply -f apps/dns/deploy/dns.yaml | sed -u 's/^/    /'
dns_ready() { [ "$(node "$repo/bin/minictl.js" --server "127.0.0.1:$api_port" get deploy kube-dns -n kube-system -o 'jsonpath={.status.availableReplicas}' 2>/dev/null)" -ge 1 ]; }
if ! wait_until "a DNS pod to be available" 180 dns_ready; then
  echo "error: no DNS pod became available; see: npx minictl describe pods -n kube-system" >&2
  exit 1
fi

cat <<TXT

minik8s is up: etcd on 127.0.0.1:$etcd_port, the apiserver on 127.0.0.1:$api_port,
the controller-manager and scheduler beside them, and node "$node_name" ($node_ip) with its kubelet
on this machine's Docker and its proxy in this machine's iptables; DNS at 10.96.0.10.
Logs are in $run. Try:

  npx minictl get namespaces
  npx minictl apply -f deploy/examples/kubia.yaml
  npx minictl get all -n demo -o wide      # then: curl http://$node_ip:30080/ (the NodePort)
  npx minictl api-resources

Stop it all with: npm run down
TXT
