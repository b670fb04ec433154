#!/usr/bin/env bash
# `npm run up`: brings up a minik8s cluster on this machine and writes ~/.minik8s/config.
#   npm run up                      multi-node cluster in Docker (deploy/compose): etcd, registry, control
#                                   plane, nodes node-1 and node-2 as Docker-in-Docker; DNS and kubia deployed
#   npm run up -- --nodes 3         as many worker nodes as asked (1 to 40)
#   npm run up -- --etcd-members 3  three etcd members (on a new cluster)
#   npm run up -- --rebuild         rebuild every image first, not only the missing ones
#   npm run up -- --local           etcd and every component as local processes, one node on this Docker
# `npm run down` removes whichever is up.
set -euo pipefail
cd "$(dirname "$0")/.."
for a in "$@"; do
  case $a in
    --local) shift; exec bash scripts/up-local.sh "$@" ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  esac
done
exec bash scripts/up-compose.sh "$@"
