#!/usr/bin/env bash
# `make run`: database, migrations, reference data, then the api and the
# worker in the background; prints the URL and an operator token.
set -euo pipefail
cd "$(dirname "$0")/.."

export SIGAP_ENV="${SIGAP_ENV:-dev}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sigap}"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"
export SIGAP_BIND="${SIGAP_BIND:-127.0.0.1:8080}"
worker_metrics="${WORKER_METRICS_BIND:-127.0.0.1:9091}"
bin=target/release
mkdir -p .run

db_name="${DATABASE_URL##*/}"; db_name="${db_name%%\?*}"
admin_url="${DATABASE_URL%/*}/postgres"
if [ "$(psql "$admin_url" -Atqc "select 1 from pg_database where datname = '$db_name'")" != 1 ]; then
  psql "$admin_url" -qc "create database \"$db_name\""
  echo "[run] created database $db_name"
fi

"$bin/sigap-api" migrate
# Values stored before personal data was encrypted are encrypted now;
# nothing to do on a database that has none (resumable, safe to repeat).
"$bin/sigap-api" keys rotate
"$bin/sigap-api" seed --data data

scripts/stop.sh >/dev/null 2>&1 || true
nohup "$bin/sigap-api" serve > .run/api.log 2>&1 &
echo $! > .run/api.pid
SIGAP_METRICS_BIND="$worker_metrics" nohup "$bin/sigap-worker" > .run/worker.log 2>&1 &
echo $! > .run/worker.pid

url="http://$SIGAP_BIND"
for _ in $(seq 1 60); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$url/readyz" >/dev/null || { echo "[run] the api did not become ready; see .run/api.log"; exit 1; }

token=$("$bin/sigap-api" token --role operator --sub operator-1 --ttl 8h)

# Development staff accounts, one per role, all with one known password
# (created once; kept as they are on later runs).
export DEV_STAFF_PASSWORD=${DEV_STAFF_PASSWORD:-sigap-dev-password}
add_staff() {
  "$bin/sigap-api" staff add --if-absent --password-env DEV_STAFF_PASSWORD "$@" >/dev/null
}
add_staff --email admin@sigap.test --name "Admin Sigap" --role admin
add_staff --email operator@sigap.test --name "Operator Sigap" --role operator
add_staff --email supervisor@sigap.test --name "Supervisor Sigap" --role supervisor
add_staff --email upt@sigap.test --name "Staf Sentra Mulya Jaya" --role upt_staff --unit SENTRA-MULYA-JAYA
add_staff --email regional@sigap.test --name "Dinas Sosial Sumatera Barat" --role regional --region 13
cat <<MSG

Sigap is running.
  API:       $url   (docs: $url/docs, spec: $url/openapi.json)
  Console:   $url/console/   (sign in with a staff account below; SIGAP_ENV=dev also offers a role picker)
  Worker:    metrics at http://$worker_metrics/metrics
  Logs:      .run/api.log, .run/worker.log     Stop: make stop

Operator token (8 hours):
$token

Staff sign-in at $url/console/ (password for each: $DEV_STAFF_PASSWORD):
  admin@sigap.test (admin: enrol TOTP first), operator@sigap.test, supervisor@sigap.test,
  upt@sigap.test (SENTRA-MULYA-JAYA), regional@sigap.test (13)
  curl -s -X POST $url/v1/auth/login -H 'Content-Type: application/json' \\
    -d '{"email":"operator@sigap.test","password":"$DEV_STAFF_PASSWORD"}'

Try it:
  curl -s -X POST $url/v1/reports -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"category":"elderly","need":"assistive_device","urgency":"high","channel":"hotline","region_code":"13.03","description":"Lansia tinggal sendiri, butuh kursi roda."}'
MSG
if [ -n "${SIGAP_OIDC_ISSUER:-}" ]; then
  echo "Identity provider: \"Masuk dengan SSO\" signs in at $SIGAP_OIDC_ISSUER (redirect URI ${SIGAP_PUBLIC_URL:-?}/v1/auth/oidc/callback)"
fi
