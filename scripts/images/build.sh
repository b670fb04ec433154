#!/usr/bin/env bash
# Builds minik8s's container images from local files (no registry needed):
#   apiserver scheduler controller-manager kubelet proxy dns  -> minik8s/<name>:dev
#   pause -> minik8s/pause:3.9   busybox -> minik8s/busybox:1.36   kubia -> minik8s/kubia:v1 and :v2   node -> minik8s/node:dev
#   etcd -> minik8s/etcd:3.4   registry -> minik8s/registry:2.8   (the compose cluster's etcd and image registry)
# usage: bash scripts/images/build.sh [--only NAME,...] [--skip-app-build] [--public]
#   --public: use the Dockerfiles' public bases (node:20-bookworm-slim, gcc:12-bookworm) instead of the local ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
ALL=(pause busybox kubia apiserver scheduler controller-manager dns kubelet proxy node etcd registry)
only=""; skip_app_build=0; public=0
while [ $# -gt 0 ]; do
  case $1 in
    --only) only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    --skip-app-build) skip_app_build=1; shift ;;
    --public) public=1; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -n "$only" ]; then IFS=, read -r -a images <<<"$only"; else images=("${ALL[@]}"); fi
for n in "${images[@]}"; do [[ " ${ALL[*]} " == *" $n "* ]] || { echo "unknown image: $n (known: ${ALL[*]})" >&2; exit 2; }; done
wants() { [[ " ${images[*]} " == *" $1 "* ]]; }
export DOCKER_BUILDKIT=0   # the classic builder: works offline with images from `docker import`, no buildx needed

start=$SECONDS
step() { printf '[%4ss] %s\n' "$((SECONDS - start))" "$*"; }
logs=$(mktemp -d); trap 'rm -rf "$logs" "${stage:-}"' EXIT
results=()

docker info >/dev/null 2>&1 || { echo "error: no Docker engine answers (start dockerd first)" >&2; exit 1; }

node_apps=()
for n in apiserver scheduler controller-manager dns kubelet proxy; do wants $n && node_apps+=("$n"); done
wants node && node_apps+=(kubelet proxy)

if [ ${#node_apps[@]} -gt 0 ]; then
  if [ "$skip_app_build" = 0 ]; then
    step "building the app bundles (npx nx run-many -t build)"
    npx nx run-many -t build --output-style=static >"$logs/nx.log" 2>&1 || { tail -30 "$logs/nx.log" >&2; echo "error: app build failed" >&2; exit 1; }
  fi
  for a in $(printf '%s\n' "${node_apps[@]}" | sort -u); do
    [ -f "dist/apps/$a/main.js" ] || { echo "error: dist/apps/$a/main.js is missing (run without --skip-app-build)" >&2; exit 1; }
  done
fi

# Staging context: production node_modules (npm ci --omit=dev on the host, keyed by package-lock.json),
# the bundles and the shared files. npm's registry is reached from the host, not from inside `docker build`.
cache="${MINIK8S_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minik8s-images}"
stage=$(mktemp -d)
if [ ${#node_apps[@]} -gt 0 ]; then
  key=$(sha256sum package-lock.json | cut -c1-16)
  deps="$cache/deps-$key"
  if [ ! -d "$deps/node_modules" ]; then
    step "installing production node_modules (npm ci --omit=dev)"
    rm -rf "$deps"; mkdir -p "$deps"; cp package.json package-lock.json "$deps/"
    if ! (cd "$deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline >"$logs/npm.log" 2>&1); then
      step "npm ci failed; pruning a copy of the workspace's node_modules instead"
      cp -a node_modules "$deps/node_modules"
      (cd "$deps" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >>"$logs/npm.log" 2>&1) || { tail -20 "$logs/npm.log" >&2; rm -rf "$deps"; exit 1; }
    fi
  fi
  cp -a "$deps/node_modules" "$stage/node_modules"
  mkdir -p "$stage/apps" "$stage/common" "$stage/images/node"
  for a in $(printf '%s\n' "${node_apps[@]}" | sort -u); do cp -a "dist/apps/$a" "$stage/apps/$a"; done
  cp deploy/images/common/* "$stage/common/"
  cp deploy/images/node/entrypoint.sh "$stage/images/node/"
  mkdir -p "$stage/node-images"
fi

# Local bases (built once) unless --public.
base_node=minik8s/base-node:local base_debian=minik8s/base-debian:local base_docker=minik8s/base-docker:local
if [ "$public" = 0 ]; then
  need=()
  for n in kubia apiserver scheduler controller-manager dns pause etcd registry; do wants $n && need+=(base-node); done
  for n in kubelet proxy; do wants $n && need+=(base-debian); done
  wants node && need+=(base-docker)
  if [ ${#need[@]} -gt 0 ]; then
    step "local base images: $(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')"
    bash scripts/images/bases.sh $(printf '%s\n' "${need[@]}" | sort -u)
  fi
fi

# build NAME TAG... -- docker build args
build() {
  local name=$1; shift; local tags=() t0=$SECONDS
  while [ "$1" != -- ]; do tags+=("$1"); shift; done; shift
  local targs=(); for t in "${tags[@]}"; do targs+=(-t "$t"); done
  step "$name: building ${tags[*]}"
  if docker build "${targs[@]}" "$@" >"$logs/$name.log" 2>&1; then
    step "$name: done in $((SECONDS - t0))s"
    for t in "${tags[@]}"; do results+=("$t $((SECONDS - t0))s"); done
  else
    step "$name: FAILED after $((SECONDS - t0))s; last lines of the build log:"
    tail -25 "$logs/$name.log" | sed 's/^/    /' >&2
    exit 1
  fi
}
barg() { [ "$public" = 1 ] || echo "--build-arg $1=$2"; }
# Puts a host program and the libraries it loads under DIR/root, for the images of Debian programs
# (etcd, docker-registry) built without a registry; with --public the Dockerfile installs the package.
stage_program() { # dir, program, debian package
  local root=$1/root bin lib; mkdir -p "$root"
  [ "$public" = 1 ] && return 0
  bin=$(command -v "$2") || { echo "error: $2 is missing on this machine (apt-get install -y $3)" >&2; exit 1; }
  install -D -m 0755 "$(readlink -f "$bin")" "$root/usr/local/bin/$2"
  for lib in $(ldd "$bin" 2>/dev/null | awk '/=>/ {print $3} $1 ~ /^\// {print $1}'); do
    mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
  done
}

for name in "${ALL[@]}"; do
  wants "$name" || continue
  case $name in
    pause)
      ctx="$stage/pause"; mkdir -p "$ctx"; cp deploy/images/pause/pause.c "$ctx/"
      if [ "$public" = 0 ]; then
        command -v gcc >/dev/null || { echo "error: gcc is needed to compile pause (apt-get install -y gcc libc6-dev)" >&2; exit 1; }
        gcc -static -Os -s -o "$ctx/pause" "$ctx/pause.c"
      fi
      build pause minik8s/pause:3.9 -- $(barg BUILDER_IMAGE $base_node) -f deploy/images/pause/Dockerfile "$ctx" ;;
    busybox)
      ctx="$stage/busybox"; mkdir -p "$ctx"; cp deploy/images/busybox/{passwd,group} "$ctx/"
      bb=$(readlink -f "$(command -v busybox)")
      file -L "$bb" | grep -q 'statically linked' || { echo "error: $bb is not static (apt-get install -y busybox-static)" >&2; exit 1; }
      cp "$bb" "$ctx/busybox"
      build busybox minik8s/busybox:1.36 -- -f deploy/images/busybox/Dockerfile "$ctx" ;;
    kubia)
      for v in v1 v2; do
        build "kubia-$v" "minik8s/kubia:$v" -- $(barg BASE_IMAGE $base_node) --build-arg VERSION=$v deploy/images/kubia
      done ;;
    apiserver|scheduler|controller-manager|dns)
      build "$name" "minik8s/$name:dev" -- $(barg BASE_IMAGE $base_node) -f "deploy/images/$name/Dockerfile" "$stage" ;;
    kubelet|proxy)
      build "$name" "minik8s/$name:dev" -- $(barg BASE_IMAGE $base_debian) -f "deploy/images/$name/Dockerfile" "$stage" ;;
    node)
      # Bake the pause and busybox images into the node so its inner engine can start pods without a registry.
      for img in minik8s/pause:3.9 minik8s/busybox:1.36; do
        if docker image inspect "$img" >/dev/null 2>&1; then
          docker save -o "$stage/node-images/$(echo "${img#minik8s/}" | tr ':/' '__').tar" "$img"
        else
          step "node: $img not built yet, not baked in (build it first or mount tarballs at /images)"
        fi
      done
      build node minik8s/node:dev -- $(barg BASE_IMAGE $base_docker) -f deploy/images/node/Dockerfile "$stage" ;;
    etcd)
      ctx="$stage/etcd"; stage_program "$ctx" etcd etcd-server; stage_program "$ctx" etcdctl etcd-client
      build etcd minik8s/etcd:3.4 -- $(barg BASE_IMAGE $base_node) -f deploy/images/etcd/Dockerfile "$ctx" ;;
    registry)
      ctx="$stage/registry"; stage_program "$ctx" docker-registry docker-registry; cp deploy/images/registry/config.yml "$ctx/"
      build registry minik8s/registry:2.8 -- $(barg BASE_IMAGE $base_node) -f deploy/images/registry/Dockerfile "$ctx" ;;
  esac
done

step "all done in $((SECONDS - start))s"
printf '\n%-28s %-8s %-10s %s\n' IMAGE TAG SIZE "BUILD TIME"
for r in "${results[@]}"; do
  ref=${r% *}; secs=${r##* }
  size=$(docker image inspect -f '{{.Size}}' "$ref" | awk '{printf "%.1fMB", $1/1000/1000}')
  printf '%-28s %-8s %-10s %s\n' "${ref%:*}" "${ref##*:}" "$size" "$secs"
done
