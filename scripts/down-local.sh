#!/usr/bin/env bash
# `npm run down` for `npm run up -- --local`: stops its processes and removes their state (the config stays).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
state="${MINIK8S_HOME:-$HOME/.minik8s}"
run="$state/local"
for component in proxy kubelet scheduler controller-manager apiserver etcd; do
  pidfile="$run/$component.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    pid=$(cat "$pidfile")
    echo "==> stopping $component (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
# The proxy leaves its rules in place when it stops, as kube-proxy does: remove them (its KUBE-*
# chains and the jumps to them in this machine's iptables).
if [ -f "$run/node-name" ] && [ "$(id -u)" = 0 ] && command -v iptables >/dev/null 2>&1; then
  echo "==> removing the proxy's iptables rules"
  node "$repo/bin/minik8s.js" proxy --cleanup --log-format json >"$run/proxy-cleanup.log" 2>&1 \
    || { echo "warning: minik8s proxy --cleanup failed; see $run/proxy-cleanup.log" >&2; cat "$run/proxy-cleanup.log" >&2; }
fi
# The node's containers and pod network (a Docker bridge network: Docker removes its rules) go with it (only this node's: tests may run others).
node_name=$(cat "$run/node-name" 2>/dev/null || true)
if [ -n "$node_name" ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  containers=$(docker ps -aq --filter "label=io.minik8s.node=$node_name")
  [ -n "$containers" ] && docker rm -f $containers >/dev/null
  docker network rm "minik8s-$node_name" >/dev/null 2>&1 || true
fi
rm -rf "$run"
echo "==> the local cluster is down"
