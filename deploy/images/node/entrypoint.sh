#!/bin/bash
# minik8s node entrypoint: start dockerd, wait for it, load bundled images, then run the kubelet and the proxy.
# Stops everything on SIGTERM/SIGINT; exits when any of the three exits.
set -uo pipefail
log() { printf '%s minik8s-node: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }

NODE_NAME=${NODE_NAME:-$(hostname)}
NODE_NAME=$(printf '%s' "$NODE_NAME" | tr '[:upper:]' '[:lower:]')
NODE_IP=${NODE_IP:-$(ip -4 -o addr show dev "${NODE_IFACE:-eth0}" 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')}
MINIK8S_SERVER=${MINIK8S_SERVER:-apiserver:6443}
CLUSTER_DNS=${CLUSTER_DNS:-10.96.0.10}
DOCKER_BIP=${DOCKER_BIP:-172.30.${NODE_IP##*.}.1/24}
[ -n "$NODE_IP" ] || { log "NODE_IP is not set and ${NODE_IFACE:-eth0} has no IPv4 address"; exit 1; }

pids=()
stop() {
  log "stopping (${1:-exit})"
  trap - TERM INT
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  # the kubelet and proxy first, dockerd last (it stops the pod containers)
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  exit 0
}
trap 'stop SIGTERM' TERM
trap 'stop SIGINT' INT

mkdir -p /var/log/minik8s
# Docker mounts /proc/sys read-only unless --privileged or systempaths=unconfined, which Compose 1.29
# refuses: the node's engine and the kubelet's pod network need to set net.ipv4.ip_forward and the
# bridge sysctls, as on a VM.
if grep -q ' /proc/sys proc ro' /proc/mounts; then
  mount -o remount,rw /proc/sys 2>/dev/null || log "could not make /proc/sys writable; sysctls will fail"
fi
log "starting dockerd (cgroup parent /$NODE_NAME, bip $DOCKER_BIP)"
dockerd --cgroup-parent="/$NODE_NAME" --bip="$DOCKER_BIP" ${DOCKERD_ARGS:-} >/var/log/minik8s/dockerd.log 2>&1 &
dockerd_pid=$!
deadline=$((SECONDS + ${DOCKERD_TIMEOUT:-60}))
until docker info >/dev/null 2>&1; do
  if ! kill -0 "$dockerd_pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    log "dockerd did not start; last lines of its log:"; tail -n 20 /var/log/minik8s/dockerd.log >&2; exit 1
  fi
  sleep 0.5
done
log "dockerd is ready"

for tar in /opt/minik8s/images/*.tar /images/*.tar; do
  [ -f "$tar" ] && { docker load -q -i "$tar" >&2 || log "could not load $tar"; }
done

if [ "${MINIK8S_KUBELET:-1}" != 0 ]; then
  log "starting kubelet: node $NODE_NAME ip $NODE_IP server $MINIK8S_SERVER"
  # shellcheck disable=SC2086
  node /opt/minik8s/kubelet.js --server "$MINIK8S_SERVER" --node-name "$NODE_NAME" --node-ip "$NODE_IP" \
    --cluster-dns "$CLUSTER_DNS" ${POD_CIDR:+--pod-cidr "$POD_CIDR"} ${CLUSTER_CIDR:+--cluster-cidr "$CLUSTER_CIDR"} \
    ${NODE_IFACE:+--pod-network-interface "$NODE_IFACE"} ${KUBELET_ARGS:-} &
  pids+=($!)
fi
if [ "${MINIK8S_PROXY:-1}" != 0 ]; then
  log "starting proxy"
  # shellcheck disable=SC2086
  node /opt/minik8s/proxy.js --server "$MINIK8S_SERVER" --node-name "$NODE_NAME" --node-ip "$NODE_IP" \
    ${CLUSTER_CIDR:+--cluster-cidr "$CLUSTER_CIDR"} ${PROXY_ARGS:-} &
  pids+=($!)
fi
pids+=("$dockerd_pid")
wait -n "${pids[@]}"
rc=$?
log "a process exited (status $rc)"
stop exit
