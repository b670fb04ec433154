#!/usr/bin/env bash
# Saves the images the Vagrant workers need (no registry there) into deploy/vagrant/images/, which
# worker.sh loads into each VM's Docker. Build them first: npm run images -- --only pause,busybox,kubia
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p images
for image in minik8s/pause:3.9 minik8s/busybox:1.36 minik8s/kubia:v1 ${EXTRA_IMAGES:-}; do
  docker save -o "images/$(echo "${image#minik8s/}" | tr ':/' '__').tar" "$image"
  echo "saved $image"
done
