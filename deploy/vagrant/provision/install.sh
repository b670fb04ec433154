#!/usr/bin/env bash
# Installs what a minik8s VM runs, from the distribution's packages, skipping what is there:
#   MINIK8S_ROLE=control-plane: etcd-server, Node.js      MINIK8S_ROLE=worker: docker.io (and docker-cli), iptables, iproute2, conntrack, Node.js
# minik8s itself is the synced repository (MINIK8S_DIR, default /vagrant) with its bundles built on the host.
set -euo pipefail
role=${MINIK8S_ROLE:?MINIK8S_ROLE must be control-plane or worker}
dir=${MINIK8S_DIR:-/vagrant}
log() { printf '==> [%s] %s\n' "$(hostname)" "$*"; }

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
case $role in
  control-plane) command -v etcd >/dev/null 2>&1 || need+=(etcd-server) ;;
  worker)
    command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
    command -v iptables >/dev/null 2>&1 || need+=(iptables)
    command -v ip >/dev/null 2>&1 || need+=(iproute2)
    command -v conntrack >/dev/null 2>&1 || need+=(conntrack) ;;
  *) echo "error: MINIK8S_ROLE must be control-plane or worker (got $role)" >&2; exit 2 ;;
esac
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Since trixie the docker CLI (worker.sh's `docker info`, `docker load`) is a package of its own.
if [ "$role" = worker ] && ! command -v docker >/dev/null 2>&1; then
  log "installing docker-cli"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-cli >/dev/null
fi
# minik8s is built for Node.js 20 (package.json engines; the bundles target node20). Debian
# bookworm packages 18, which is past its end of life: provision trixie (the Vagrantfile's box) or
# put Node.js 20 on the box first.
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "error: Node.js $(node --version) is older than the 20 minik8s needs; use a box whose distribution packages Node.js 20 or later (Debian trixie: MINIK8S_BOX=debian/trixie64, the default) or install Node.js 20 before provisioning" >&2
  exit 1
fi

for app in apiserver controller-manager scheduler kubelet proxy; do
  [ -f "$dir/dist/apps/$app/main.js" ] || { echo "error: $dir/dist/apps/$app/main.js is missing: run 'npm ci && npm run build' in the repository first" >&2; exit 1; }
done
[ -d "$dir/node_modules" ] || { echo "error: $dir/node_modules is missing: run 'npm ci' in the repository first" >&2; exit 1; }
log "minik8s is $dir (Node.js $(node --version))"
