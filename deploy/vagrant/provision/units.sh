# Sourced by control-plane.sh and worker.sh: writes a component's systemd unit and starts it. Where
# systemd is not running (the CI containers that stand in for the VMs), the unit's ExecStart line
# is run directly in the background with its Environment, logging to /var/log/minik8s/<unit>.log:
# the same command either way.
unit_dir=${MINIK8S_UNIT_DIR:-/etc/systemd/system}
mkdir -p "$unit_dir" /var/log/minik8s /var/lib/minik8s

has_systemd() { [ -d /run/systemd/system ]; }

# write_unit NAME DESCRIPTION AFTER EXECSTART...
write_unit() {
  local name=$1 description=$2 after=$3; shift 3
  cat > "$unit_dir/$name.service" <<UNIT
[Unit]
Description=$description
After=network-online.target $after
Wants=network-online.target $after

[Service]
Environment=MINIK8S_USE_DIST=1
ExecStart=$*
Restart=always
RestartSec=2
KillMode=mixed
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
UNIT
}

# start_unit NAME: systemctl, or the unit's own ExecStart and Environment without systemd.
start_unit() {
  local name=$1 file="$unit_dir/$1.service" exec env pid
  if has_systemd; then
    systemctl daemon-reload
    systemctl enable --now "$name.service"
    return
  fi
  pid=/var/run/minik8s-$name.pid
  if [ -f "$pid" ] && kill -0 "$(cat "$pid")" 2>/dev/null; then return; fi
  exec=$(sed -n 's/^ExecStart=//p' "$file")
  env=$(sed -n 's/^Environment=//p' "$file")
  # shellcheck disable=SC2086
  (env $env setsid sh -c "exec $exec" >"/var/log/minik8s/$name.log" 2>&1 < /dev/null & echo $! > "$pid")
  printf '==> started %s without systemd (pid %s, log /var/log/minik8s/%s.log)\n' "$name" "$(cat "$pid")" "$name"
}

# http_ok URL: a 2xx answer within 3 s (node is there on every minik8s machine; curl may not be).
http_ok() { node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"; }

# wait_for WHAT SECONDS COMMAND...
wait_for() {
  local what=$1 deadline=$(( $(date +%s) + $2 )); shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "error: $what did not come up in time" >&2; return 1; }
    sleep 1
  done
}
