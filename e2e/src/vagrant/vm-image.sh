#!/usr/bin/env bash
# Builds minik8s/vagrant-vm:<suite>, the root the provisioning test's containers run in place of the
# Vagrant boxes: Debian <suite> (the Vagrantfile's box, debian/trixie64) from the distribution's
# mirror with the packages deploy/vagrant/provision/install.sh installs already in (so the test
# stays offline and fast; install.sh finds them and moves on), Node.js among them: the
# distribution's nodejs, not this machine's node. Built only when missing; the root is cached.
# usage: bash e2e/src/vagrant/vm-image.sh [SUITE]     (default trixie)
set -euo pipefail
suite=${1:-trixie}
image="minik8s/vagrant-vm:$suite"
# install.sh's packages: nodejs (both roles), etcd-server (control plane), docker.io docker-cli
# iptables iproute2 conntrack (workers); ca-certificates and procps as a cloud box has them.
packages=nodejs,etcd-server,docker.io,docker-cli,iptables,iproute2,conntrack,ca-certificates,procps
docker image inspect "$image" >/dev/null 2>&1 && { echo "    $image exists"; exit 0; }
command -v debootstrap >/dev/null || { echo "error: debootstrap is missing (apt-get install -y debootstrap)" >&2; exit 1; }
cache="${MINIK8S_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minik8s-images}"
root="$cache/vagrant-$suite"
mkdir -p "$cache"
t0=$SECONDS
if [ ! -f "$root/.complete" ]; then
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  rm -rf "$root"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$root.log" 2>&1 \
    || { echo "error: debootstrap of $suite failed, see $root.log" >&2; tail -5 "$root.log" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  touch "$root/.complete"
fi
tar --exclude=./.complete -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
echo "    built $image in $((SECONDS - t0))s (Node.js $(chroot "$root" node --version))"
