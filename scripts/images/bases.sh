#!/usr/bin/env bash
# Builds the local base images that stand in for public ones on a machine without a registry:
#   minik8s/base-node:local      busybox + /usr/bin/node and the libraries ldd lists   (for node:20-bookworm-slim)
#   minik8s/base-debian:local    debootstrap minbase + iptables iproute2 conntrack + node (kubelet, proxy)
#   minik8s/base-docker:local    the same plus docker.io                                 (the node image)
# Each is built only when missing (or with --force). Debian roots are cached under $MINIK8S_IMAGE_CACHE.
# usage: bash scripts/images/bases.sh [--force] [base-node|base-debian|base-docker ...]
set -euo pipefail
force=0; want=()
for a in "$@"; do case $a in --force) force=1 ;; *) want+=("$a") ;; esac; done
[ ${#want[@]} -gt 0 ] || want=(base-node base-debian base-docker)
cache="${MINIK8S_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minik8s-images}"
mkdir -p "$cache"

have() { [ "$force" = 0 ] && docker image inspect "minik8s/$1:local" >/dev/null 2>&1; }
need() { command -v "$1" >/dev/null || { echo "error: $1 is missing (apt-get install -y $2)" >&2; exit 1; }; }

# Copies node and the shared libraries it loads into a root folder.
add_node() {
  local root=$1 lib
  install -D -m 0755 "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
  for lib in $(ldd "$(command -v node)" | awk '/=>/ {print $3} $1 ~ /^\// {print $1}'); do
    # A Debian root has its own (absolute) ld-linux link: replace the link, never write through it.
    mkdir -p "$root$(dirname "$lib")"; cp -L --remove-destination "$lib" "$root$lib"
  done
}

busybox_root() {
  local root=$1
  need busybox busybox-static
  file -L "$(command -v busybox)" | grep -q 'statically linked' || { echo "error: busybox is not static (apt-get install busybox-static)" >&2; exit 1; }
  mkdir -p "$root"/{bin,etc,tmp,root,home,usr/bin,usr/sbin,sbin}
  cp "$(readlink -f "$(command -v busybox)")" "$root/bin/busybox"
  for app in $("$root/bin/busybox" --list-full); do
    [ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
  done
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nminik8s:x:65532:65532:minik8s:/home/minik8s:/bin/sh\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\nminik8s:x:65532:\n' > "$root/etc/group"
  mkdir -p "$root/home/minik8s"; chown 65532:65532 "$root/home/minik8s"
  echo 'hosts: files dns' > "$root/etc/nsswitch.conf"
}

debian_root() { # dir, extra packages
  local root=$1 pkgs=$2 mirror
  need debootstrap debootstrap
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  if [ ! -f "$root/.complete" ]; then
    rm -rf "$root"
    debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" >"$root.log" 2>&1 \
      || { echo "error: debootstrap failed, see $root.log" >&2; tail -5 "$root.log" >&2; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    touch "$root/.complete"
  fi
  add_node "$root"
  grep -q '^minik8s:' "$root/etc/passwd" || chroot "$root" useradd -u 65532 -U -m -s /bin/sh minik8s
}

import() { # dir, name
  tar --exclude=./.complete -C "$1" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["/bin/sh"]' \
    - "minik8s/$2:local" >/dev/null
}

for b in "${want[@]}"; do
  if have "$b"; then echo "    minik8s/$b:local exists"; continue; fi
  t0=$SECONDS
  case $b in
    base-node)
      d=$(mktemp -d); busybox_root "$d"; add_node "$d"; import "$d" base-node; rm -rf "$d" ;;
    base-debian)
      debian_root "$cache/debian" iptables,iproute2,conntrack,ca-certificates,procps; import "$cache/debian" base-debian ;;
    base-docker)
      debian_root "$cache/docker" docker.io,iptables,iproute2,conntrack,ca-certificates,procps; import "$cache/docker" base-docker ;;
    *) echo "unknown base $b" >&2; exit 2 ;;
  esac
  echo "    built minik8s/$b:local in $((SECONDS - t0))s"
done
