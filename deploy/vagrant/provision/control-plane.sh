#!/usr/bin/env bash
# The control-plane VM: etcd, the apiserver, the controller-manager and the scheduler, each a
# systemd unit. NODE_IP is the VM's address on the private network (the apiserver advertises it).
set -euo pipefail
ip=${NODE_IP:?NODE_IP is required}
dir=${MINIK8S_DIR:-/vagrant}
source "$(dirname "$0")/units.sh"
node=$(command -v node)
etcd=$(command -v etcd)
launcher="$node $dir/bin/minik8s.js"

write_unit minik8s-etcd "etcd for minik8s" "" \
  "$etcd --name control-plane --data-dir /var/lib/minik8s/etcd" \
  "--listen-client-urls http://127.0.0.1:2379,http://$ip:2379 --advertise-client-urls http://$ip:2379" \
  "--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380" \
  "--initial-cluster control-plane=http://127.0.0.1:2380"
# The apiserver's young generation as its image sets it (see deploy/images/apiserver/Dockerfile).
write_unit minik8s-apiserver "minik8s apiserver" minik8s-etcd.service \
  "$node --max-semi-space-size=64 $dir/bin/minik8s.js apiserver --etcd-servers http://127.0.0.1:2379 --bind-address 0.0.0.0 --advertise-address $ip" \
  "--secure-port 6443 --health-port 8080 --log-format json"
write_unit minik8s-controller-manager "minik8s controller-manager" minik8s-apiserver.service \
  "$launcher controller-manager --server $ip:6443 --cluster-cidr 10.244.0.0/16 --leader-elect --log-format json"
write_unit minik8s-scheduler "minik8s scheduler" minik8s-apiserver.service \
  "$launcher scheduler --server $ip:6443 --leader-elect --log-format json"

start_unit minik8s-etcd
wait_for etcd 60 http_ok "http://127.0.0.1:2379/health"
start_unit minik8s-apiserver
wait_for "the apiserver" 120 http_ok "http://127.0.0.1:8080/readyz"
start_unit minik8s-controller-manager
start_unit minik8s-scheduler
echo "==> control plane up: the apiserver is $ip:6443"
