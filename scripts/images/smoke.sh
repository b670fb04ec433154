#!/usr/bin/env bash
# Smoke test for the images scripts/images/build.sh makes: runs each briefly and checks it answers.
# usage: bash scripts/images/smoke.sh [NAME ...]   (default: all)   Removes every container it starts.
set -uo pipefail
ALL=(pause busybox kubia apiserver scheduler controller-manager dns kubelet proxy node etcd registry)
[ $# -gt 0 ] && sel=("$@") || sel=("${ALL[@]}")
wants() { [[ " ${sel[*]} " == *" $1 "* ]]; }
id=smoke-$$
containers=(); pass=0; fail=0; failed=()
cleanup() { [ ${#containers[@]} -gt 0 ] && docker rm -f "${containers[@]}" >/dev/null 2>&1; docker network rm "$id" >/dev/null 2>&1; true; }
trap cleanup EXIT
ok() { printf '  ok    %s\n' "$*"; pass=$((pass + 1)); }
ko() { printf '  FAIL  %s\n' "$*"; fail=$((fail + 1)); failed+=("$1"); }
run() { local c; c=$(docker run -d --name "$id-$1" "${@:2}") && containers+=("$id-$1") && echo "$c"; }
waitfor() { local deadline=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $deadline ] && return 1; sleep 0.5; done; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1"; }
help_ok() { # image, flag that --help must list
  local out; out=$(timeout 30 docker run --rm "$1" --help 2>&1)
  grep -q -- "$2" <<<"$out" && ok "$1 --help lists $2" || { ko "$1 --help"; echo "$out" | tail -5 | sed 's/^/        /'; }
}
user_ok() { local u; u=$(docker image inspect -f '{{.Config.User}}' "$1"); [ -n "$u" ] && ok "$1 runs as user $u" || ko "$1 has no USER"; }

echo "smoke test of minik8s images"
if wants pause; then
  run pause minik8s/pause:3.9 >/dev/null; sleep 1
  [ "$(docker inspect -f '{{.State.Running}}' "$id-pause")" = true ] && ok "pause keeps running" || ko pause "not running"
  t0=$(date +%s%N); docker stop -t 10 "$id-pause" >/dev/null; ms=$((($(date +%s%N) - t0) / 1000000))
  code=$(docker inspect -f '{{.State.ExitCode}}' "$id-pause")
  [ "$code" = 0 ] && [ $ms -lt 5000 ] && ok "pause exits 0 on SIGTERM (${ms}ms)" || ko pause "exit $code after ${ms}ms"
fi
if wants busybox; then
  out=$(docker run --rm minik8s/busybox:1.36 sh -c 'echo hello from $(busybox | head -1 | cut -d" " -f1-2); wget --help >/dev/null 2>&1 && nslookup --help >/dev/null 2>&1 && echo applets')
  grep -q applets <<<"$out" && ok "busybox: $(head -1 <<<"$out")" || ko busybox "$out"
fi
if wants kubia; then
  for v in v1 v2; do
    run "kubia-$v" -p 127.0.0.1::8080 "minik8s/kubia:$v" >/dev/null
    port=$(docker port "$id-kubia-$v" 8080/tcp | head -1 | sed 's/.*://')
    if waitfor 15 curl -sf "http://127.0.0.1:$port/"; then
      body=$(curl -s "http://127.0.0.1:$port/"); host=$(docker inspect -f '{{.Config.Hostname}}' "$id-kubia-$v")
      want="You've hit $host"; [ $v = v2 ] && want="This is v2 running in pod $host"
      [ "$body" = "$want" ] && ok "kubia:$v on 127.0.0.1:$port: $body" || ko "kubia-$v" "answered '$body'"
    else ko "kubia-$v" "no answer on 127.0.0.1:$port"; fi
  done
  user_ok minik8s/kubia:v1
fi

for c in apiserver scheduler controller-manager dns kubelet proxy; do
  wants $c || continue
  case $c in
    apiserver) help_ok minik8s/$c:dev --etcd-servers ;;
    scheduler|controller-manager|kubelet|proxy) help_ok minik8s/$c:dev --server ;;
    dns) help_ok minik8s/$c:dev --health-port ;;
  esac
done
for c in apiserver scheduler controller-manager dns; do wants $c && user_ok minik8s/$c:dev; done
if wants proxy; then
  out=$(docker run --rm --entrypoint sh minik8s/proxy:dev -c 'iptables-restore --version && conntrack --version' 2>&1) \
    && ok "proxy image has $(echo $out | tr '\n' ' ')" || ko proxy "iptables/conntrack: $out"
fi
if wants kubelet; then
  out=$(docker run --rm --entrypoint sh minik8s/kubelet:dev -c 'ip -V' 2>&1) && ok "kubelet image has $out" || ko kubelet "ip: $out"
fi

# A small live cluster: etcd (from the host, if installed) + the apiserver/scheduler/dns images, checking their HEALTHCHECKs.
if wants apiserver || wants scheduler || wants dns || wants node; then
  docker network create "$id" >/dev/null
  etcd_img=""
  if command -v etcd >/dev/null && wants apiserver; then
    # etcd is not one of our images: run the host's etcd binary in the node base (it is static Go).
    run etcd --network "$id" --network-alias etcd -v "$(readlink -f "$(command -v etcd)"):/usr/local/bin/etcd:ro" \
      --entrypoint etcd minik8s/base-node:local --data-dir /tmp/etcd --listen-client-urls http://0.0.0.0:2379 \
      --advertise-client-urls http://etcd:2379 --listen-peer-urls http://127.0.0.1:2380 >/dev/null && etcd_img=1
  fi
  if [ -n "$etcd_img" ]; then
    run apiserver --network "$id" --network-alias apiserver minik8s/apiserver:dev --etcd-servers http://etcd:2379 >/dev/null
    if waitfor 60 sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $id-apiserver)\" = healthy ]"; then
      ok "apiserver with etcd: HEALTHCHECK (/readyz) is healthy"
    else ko apiserver "health: $(health "$id-apiserver"); $(docker logs --tail 5 "$id-apiserver" 2>&1 | tr '\n' ' ' | cut -c1-300)"; fi
    for c in scheduler dns; do
      wants $c || continue
      run $c --network "$id" minik8s/$c:dev --server apiserver:6443 >/dev/null
      if waitfor 60 sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $id-$c)\" = healthy ]"; then ok "$c: HEALTHCHECK is healthy"
      else ko $c "health: $(health "$id-$c"); $(docker logs --tail 5 "$id-$c" 2>&1 | tr '\n' ' ' | cut -c1-300)"; fi
    done
    if wants controller-manager; then
      run cm --network "$id" minik8s/controller-manager:dev --server apiserver:6443 >/dev/null; sleep 5
      [ "$(docker inspect -f '{{.State.Running}}' "$id-cm")" = true ] && ok "controller-manager runs against the apiserver" \
        || ko controller-manager "$(docker logs --tail 5 "$id-cm" 2>&1 | tr '\n' ' ' | cut -c1-300)"
    fi
  fi
fi

if wants node; then
  run node --network "$id" --hostname node-smoke -e MINIK8S_SERVER=apiserver:6443 \
    --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' \
    --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:rw minik8s/node:dev >/dev/null
  if waitfor 60 docker exec "$id-node" docker info; then
    ok "node: inner dockerd answers ($(docker exec "$id-node" docker info --format '{{.ServerVersion}}, cgroup parent {{.CgroupDriver}}'))"
    waitfor 20 sh -c "docker exec $id-node docker image inspect minik8s/pause:3.9" \
      && ok "node: pause image preloaded in the inner engine" || ko node "pause not loaded"
    out=$(docker exec "$id-node" docker run --rm minik8s/busybox:1.36 sh -c 'ip -4 -o addr show eth0' 2>&1)
    grep -q 'inet 172\.30\.' <<<"$out" && ok "node: inner container runs on the inner bridge: $(awk '{print $4}' <<<"$out")" || ko node "inner run: $out"
    sleep 5
    ps=$(docker exec "$id-node" ps -eo pid,args 2>&1)
    grep -q '[k]ubelet.js' <<<"$ps" && ok "node: kubelet running" || ko node-kubelet "not running; $(docker logs --tail 5 "$id-node" 2>&1 | tr '\n' ' ' | cut -c1-400)"
    grep -q '[p]roxy.js' <<<"$ps" && ok "node: proxy running" || ko node-proxy "not running; $(docker logs --tail 5 "$id-node" 2>&1 | tr '\n' ' ' | cut -c1-400)"
  else
    ko node "inner dockerd not ready; $(docker logs --tail 10 "$id-node" 2>&1 | tr '\n' ' ' | cut -c1-600)"
  fi
  t0=$SECONDS; docker stop -t 30 "$id-node" >/dev/null
  ok "node: stopped in $((SECONDS - t0))s (exit $(docker inspect -f '{{.State.ExitCode}}' "$id-node"))"
fi

# The compose cluster's etcd and registry: their HEALTHCHECKs turn healthy, and the registry takes a push.
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1")" = healthy ]; }
if wants etcd; then
  run etcd-img minik8s/etcd:3.4 --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://127.0.0.1:2379 >/dev/null
  waitfor 60 healthy "$id-etcd-img" && ok "etcd: HEALTHCHECK (etcdctl endpoint health) is healthy, user $(docker image inspect -f '{{.Config.User}}' minik8s/etcd:3.4)" \
    || ko etcd "health: $(health "$id-etcd-img"); $(docker logs --tail 5 "$id-etcd-img" 2>&1 | tr '\n' ' ' | cut -c1-300)"
fi
if wants registry; then
  run registry -p 127.0.0.1::5000 minik8s/registry:2.8 >/dev/null
  if waitfor 60 healthy "$id-registry"; then
    ok "registry: HEALTHCHECK (/v2/) is healthy"
    rport=$(docker port "$id-registry" 5000/tcp | head -1 | sed 's/.*://')
    docker tag minik8s/busybox:1.36 "127.0.0.1:$rport/smoke/busybox:1" 2>/dev/null \
      && docker push -q "127.0.0.1:$rport/smoke/busybox:1" >/dev/null 2>&1 \
      && curl -sf "http://127.0.0.1:$rport/v2/smoke/busybox/tags/list" | grep -q '"1"' \
      && ok "registry: a pushed image is listed" || ko registry "push of busybox failed"
    docker rmi "127.0.0.1:$rport/smoke/busybox:1" >/dev/null 2>&1
  else ko registry "health: $(health "$id-registry")"; fi
fi

echo "smoke: $pass passed, $fail failed${failed:+ (${failed[*]})}"
[ $fail = 0 ]
