# Sourced by the scripts that test a live stack (conformance, browser): a
# database and an AMQP prefix of their own, the debug api on a free port and a
# worker. `start_test_stack <name>` sets `url`, `db`, `prefix`, `bin` and
# `api_pid`, writes the logs to target/<name>/, and removes everything when
# the calling script exits. Set SIGAP_ENV or SIGAP_JWT_SECRET before calling.

start_test_stack() {
  local name=$1 port
  logs="target/$name"
  bin="${CARGO_TARGET_DIR:-target}/debug"
  db="sigap_${name}_$$"
  prefix="${name}$$"
  admin_url="postgres://postgres@127.0.0.1:5432/postgres"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
  export SIGAP_AMQP_PREFIX="$prefix"
  export SIGAP_BIND="127.0.0.1:$port"
  # With an identity provider, its redirect comes back to this api.
  if [ -n "${SIGAP_OIDC_ISSUER:-}" ]; then
    export SIGAP_PUBLIC_URL="http://127.0.0.1:$port"
  fi
  export SIGAP_TRACK_RATE_LIMIT=100000
  export RUST_LOG=warn
  mkdir -p "$logs"
  trap stop_test_stack EXIT

  psql "$admin_url" -qc "create database $db"
  "$bin/sigap-api" migrate >/dev/null
  "$bin/sigap-api" seed --data data >/dev/null
  "$bin/sigap-api" serve > "$logs/api.log" 2>&1 &
  api_pid=$!
  "$bin/sigap-worker" > "$logs/worker.log" 2>&1 &
  worker_pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -fsS "$url/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "[$name] the api did not become ready; see $logs/api.log"
  return 1
}

stop_test_stack() {
  kill "${api_pid:-}" "${worker_pid:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$admin_url" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  for queue in routing routing.high routing.critical routing.dead webhooks; do
    rabbitmqctl -q delete_queue "$prefix.$queue" >/dev/null 2>&1 || true
  done
}
