# Shared by scripts/up*.sh and scripts/down*.sh (sourced): logging, waiting with progress, and
# the client config.
state="${MINIK8S_HOME:-$HOME/.minik8s}"
log() { printf '==> %s\n' "$*"; }

# Waits for a command to succeed, printing a dot every second, up to a deadline (seconds).
wait_until() {
  local what=$1 deadline=$(( $(date +%s) + $2 )); shift 2
  printf '    waiting for %s ' "$what"
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      printf ' timed out\n'
      return 1
    fi
    printf '.'
    sleep 1
  done
  printf ' ready\n'
}

# Writes ~/.minik8s/config naming SERVER (host:port); a config naming another server is kept as config.bak.
write_config() {
  local server=$1 config="$state/config"
  mkdir -p "$state"
  if [ -f "$config" ] && ! grep -q "server: $server\$" "$config"; then
    cp "$config" "$config.bak"
    log "replacing $config (the previous one is $config.bak)"
  elif [ ! -f "$config" ]; then
    log "writing $config"
  fi
  cat > "$config" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: minik8s
  cluster:
    server: $server
contexts:
- name: minik8s
  context:
    cluster: minik8s
    namespace: default
current-context: minik8s
YAML
}
