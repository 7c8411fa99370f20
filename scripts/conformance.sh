#!/usr/bin/env bash
# Conformance: schemathesis drives the live api (real PostgreSQL and RabbitMQ)
# from its own OpenAPI document, as each role, and fails on any 5xx or any
# response that does not match the documented status codes, content types,
# headers and schemas.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
if ! schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" 2>&1 | grep -v "Running pip as the 'root' user" || true
fi

bin="${CARGO_TARGET_DIR:-target}/debug"
db="sigap_conformance_$$"
prefix="conf$$"
admin_url="postgres://postgres@127.0.0.1:5432/postgres"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export SIGAP_JWT_SECRET="conformance-secret-$$"
export SIGAP_AMQP_PREFIX="$prefix"
export SIGAP_BIND="127.0.0.1:$port"
export SIGAP_TRACK_RATE_LIMIT=100000
export RUST_LOG=warn

cleanup() {
  kill "${api_pid:-}" "${worker_pid:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$admin_url" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  for queue in routing routing.high routing.critical routing.dead webhooks; do
    rabbitmqctl -q delete_queue "$prefix.$queue" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

psql "$admin_url" -qc "create database $db"
"$bin/sigap-api" migrate >/dev/null
"$bin/sigap-api" seed --data data >/dev/null
"$bin/sigap-api" serve > "target/conformance-api.log" 2>&1 &
api_pid=$!
"$bin/sigap-worker" > "target/conformance-worker.log" 2>&1 &
worker_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# One schemathesis process per role, side by side. Each runs a single worker
# thread: CPython 3.11's ast module miscounts recursion when several threads
# parse at once (python/cpython#106905), which Hypothesis does to describe
# its strategies.
roles="operator supervisor upt_staff regional integrator admin"
pids=()
for role in $roles; do
  token=$("$bin/sigap-api" token --role "$role" --unit SENTRA-MULYA-JAYA --region 13 --ttl 1h)
  schemathesis run "http://127.0.0.1:$port/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${CONFORMANCE_EXAMPLES:-20}" \
    --seed 1 --no-shrink --workers 1 \
    --suppress-health-check all \
    --warnings off > "target/conformance-$role.out" 2>&1 &
  pids+=($!)
done
status=0
i=0
for role in $roles; do
  if wait "${pids[$i]}"; then result=passed; else result=FAILED; status=1; fi
  i=$((i + 1))
  echo "== schemathesis as $role: $result"
  if [ "$result" = FAILED ]; then cat "target/conformance-$role.out"; else grep -E "generated|passed" "target/conformance-$role.out" | tail -n 1; fi
done
if [ "$status" -ne 0 ]; then
  echo "conformance failed: see the schemathesis output above (server logs in target/conformance-*.log)"
fi
exit "$status"
