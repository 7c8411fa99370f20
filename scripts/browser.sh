#!/usr/bin/env bash
# Browser tests: the operator console in Debian's headless Chromium, driven by
# Playwright (playwright-core only: no browser is ever downloaded), against a
# real stack on its own database and AMQP prefix: api with SIGAP_ENV=dev on a
# random port, and a worker. Screenshots go to target/screenshots/.
#
#   scripts/browser.sh            run every test, then clean up
#   scripts/browser.sh --serve    start the stack only, print its URL, wait for Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."

serve_only=false
[ "${1:-}" = "--serve" ] && serve_only=true

if [ ! -x /usr/bin/chromium ]; then
  echo "[browser] installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  }
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[browser] installing node and npm"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
fi

bin="${CARGO_TARGET_DIR:-target}/debug"
db="sigap_browser_$$"
prefix="browser$$"
admin_url="postgres://postgres@127.0.0.1:5432/postgres"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export SIGAP_ENV=dev
export SIGAP_AMQP_PREFIX="$prefix"
export SIGAP_BIND="127.0.0.1:$port"
export SIGAP_TRACK_RATE_LIMIT=100000
export RUST_LOG=warn
mkdir -p target/screenshots target/browser

cleanup() {
  kill "${api_pid:-}" "${worker_pid:-}" 2>/dev/null || true
  wait "${api_pid:-}" "${worker_pid:-}" 2>/dev/null || true
  psql "$admin_url" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  for queue in routing routing.high routing.critical routing.dead webhooks; do
    rabbitmqctl -q delete_queue "$prefix.$queue" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

psql "$admin_url" -qc "create database $db"
"$bin/sigap-api" migrate >/dev/null
"$bin/sigap-api" seed --data data >/dev/null
"$bin/sigap-api" serve > target/browser/api.log 2>&1 &
api_pid=$!
"$bin/sigap-worker" > target/browser/worker.log 2>&1 &
worker_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$url/readyz" >/dev/null || { echo "[browser] the api did not become ready; see target/browser/api.log"; exit 1; }

if $serve_only; then
  echo "[browser] console at $url/console/ (database $db, prefix $prefix); Ctrl-C stops it"
  wait "$api_pid"
  exit 0
fi

SIGAP_URL="$url" SCREENSHOTS="$PWD/target/screenshots" tests/browser/run.sh
