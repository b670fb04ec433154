#!/usr/bin/env bash
# Installs what minik8s needs and is missing: npm packages, and on Debian/Ubuntu as root, etcd, the
# Docker engine and what the images are built from; with MINIK8S_NEED_COMPOSE=1 also docker-compose
# and docker-registry (the compose cluster, `npm run up`).
# Safe to run again; it only acts on what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server etcd-client)
# The kubelet's tests and the cluster need a Docker engine, iptables and a static busybox for images.
if [ "${MINIK8S_NEED_DOCKER:-1}" = 1 ]; then
  command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
  command -v iptables >/dev/null 2>&1 || need_apt+=(iptables)
  command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
  # The proxy deletes stale UDP conntrack entries with it (and its netns test checks that).
  command -v conntrack >/dev/null 2>&1 || need_apt+=(conntrack)
  [ -x /bin/busybox ] || need_apt+=(busybox-static)
  # scripts/images/build.sh: pause is compiled statically, the Debian bases come from debootstrap.
  command -v gcc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
  command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
  command -v file >/dev/null 2>&1 || need_apt+=(file)
  command -v curl >/dev/null 2>&1 || need_apt+=(curl)
fi
if [ "${MINIK8S_NEED_COMPOSE:-0}" = 1 ]; then
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || need_apt+=(docker-compose)
  # The cluster registry's image is built from Debian's docker-registry binary.
  command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need_apt[*]} from the distribution's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "error: minik8s needs ${need_apt[*]}; install them with your package manager (on Debian/Ubuntu: sudo apt-get install ${need_apt[*]}) and run this again" >&2
    exit 1
  fi
fi

# A Docker engine that answers: start one when we may (root, no systemd here) and none runs.
if [ "${MINIK8S_NEED_DOCKER:-1}" = 1 ] && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null 2>&1; then
    log "starting the Docker engine (log: /var/log/dockerd.log)"
    (setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &)
    deadline=$(( $(date +%s) + 60 ))
    until docker info >/dev/null 2>&1; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "error: the Docker engine did not start in 60s; see /var/log/dockerd.log" >&2
        exit 1
      fi
      sleep 1
    done
  else
    echo "error: minik8s needs a running Docker engine; start it (e.g. sudo systemctl start docker) and run this again" >&2
    exit 1
  fi
fi
