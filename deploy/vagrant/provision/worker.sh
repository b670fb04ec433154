#!/usr/bin/env bash
# A worker VM: Docker, the kubelet and the proxy, the last two as systemd units with the node's
# name, IP and interface explicit (the kubelet routes other nodes' podCIDRs through NODE_IFACE).
# Image tarballs in MINIK8S_IMAGES (default $MINIK8S_DIR/deploy/vagrant/images, see save-images.sh)
# are loaded into Docker, as this cluster has no registry.
set -euo pipefail
name=${NODE_NAME:?NODE_NAME is required}
ip=${NODE_IP:?NODE_IP is required}
iface=${NODE_IFACE:?NODE_IFACE is required}
api=${APISERVER:?APISERVER (host:port) is required}
dir=${MINIK8S_DIR:-/vagrant}
source "$(dirname "$0")/units.sh"
node=$(command -v node)
launcher="$node $dir/bin/minik8s.js"

if has_systemd; then
  systemctl enable --now docker.service
elif ! docker info >/dev/null 2>&1; then
  # No systemd (a CI container): the engine the docker.io unit would start.
  (setsid dockerd ${MINIK8S_DOCKERD_ARGS:-} >/var/log/minik8s/dockerd.log 2>&1 < /dev/null &)
fi
wait_for "the Docker engine" 60 docker info
for tar in "${MINIK8S_IMAGES:-$dir/deploy/vagrant/images}"/*.tar; do
  [ -f "$tar" ] && docker load -q -i "$tar"
done

write_unit minik8s-kubelet "minik8s kubelet" docker.service \
  "$launcher kubelet --server $api --node-name $name --node-ip $ip --pod-network-interface $iface" \
  "--cluster-cidr 10.244.0.0/16 --cluster-dns 10.96.0.10 --log-format json"
write_unit minik8s-proxy "minik8s proxy" docker.service \
  "$launcher proxy --server $api --node-name $name --node-ip $ip --cluster-cidr 10.244.0.0/16 --log-format json"
start_unit minik8s-kubelet
start_unit minik8s-proxy
echo "==> worker $name ($ip on $iface) joining $api"
