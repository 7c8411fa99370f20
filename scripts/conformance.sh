#!/usr/bin/env bash
# Conformance: schemathesis drives the live api (real PostgreSQL and RabbitMQ)
# from its own OpenAPI document, as each role, with every check: it fails on
# any 5xx, any response that does not match the documented status codes,
# content types, headers and schemas, any schema-valid request refused or
# schema-violating one accepted, and any undeclared method not answered 405
# with `Allow`. schemathesis.toml names the few rules no schema can state.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
if ! schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" 2>&1 | grep -v "Running pip as the 'root' user" || true
fi

source scripts/test-stack.sh
export SIGAP_JWT_SECRET="conformance-secret-$$-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SIGAP_DATA_KEYS="c1:$(head -c 32 /dev/urandom | base64)"
export SIGAP_INDEX_KEY="$(head -c 32 /dev/urandom | base64)"
start_test_stack conformance

# One schemathesis process per role, side by side. Each runs a single worker
# thread: CPython 3.11's ast module miscounts recursion when several threads
# parse at once (python/cpython#106905), which Hypothesis does to describe
# its strategies.
roles="operator supervisor upt_staff regional integrator admin"
pids=()
for role in $roles; do
  token=$("$bin/sigap-api" token --role "$role" --sub "conformance-$role" --unit SENTRA-MULYA-JAYA --region 13 \
    --scope "reports:write reports:read webhooks open311" --ttl 1h)
  schemathesis --config-file schemathesis.toml run "$url/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks all \
    --phases examples,coverage,fuzzing \
    --max-examples "${CONFORMANCE_EXAMPLES:-20}" \
    --seed 1 --no-shrink --workers 1 \
    --suppress-health-check all \
    --warnings off > "$logs/$role.out" 2>&1 &
  pids+=($!)
done
status=0
i=0
for role in $roles; do
  if wait "${pids[$i]}"; then result=passed; else result=FAILED; status=1; fi
  i=$((i + 1))
  echo "== schemathesis as $role: $result"
  if [ "$result" = FAILED ]; then cat "$logs/$role.out"; else grep -E "generated|passed" "$logs/$role.out" | tail -n 1; fi
done
if [ "$status" -ne 0 ]; then
  echo "conformance failed: see the schemathesis output above (server logs in $logs/)"
fi
exit "$status"
