#!/usr/bin/env bash
# Browser tests: the operator console in Debian's headless Chromium, driven by
# Playwright (playwright-core only: no browser is ever downloaded), against a
# real stack on its own database and AMQP prefix: api with SIGAP_ENV=dev on a
# random port, and a worker. Screenshots go to target/screenshots/.
#
#   scripts/browser.sh                    run every test, then clean up
#   scripts/browser.sh oidc.test.js ...   run these files of tests/browser/ only
#   scripts/browser.sh --serve            start the stack only, print its URL, wait for Ctrl-C
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
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/oidc-provider ]; then
  (cd tests/browser && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
fi

source scripts/test-stack.sh
export SIGAP_ENV=dev
# The organisation's identity provider: tests/browser/oidc.test.js runs a real
# OpenID provider (npm oidc-provider) on this free port with this client.
oidc_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SIGAP_OIDC_ISSUER="http://127.0.0.1:$oidc_port"
export SIGAP_OIDC_CLIENT_ID=sigap-console
SIGAP_OIDC_CLIENT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
export SIGAP_OIDC_CLIENT_SECRET
mkdir -p target/screenshots
start_test_stack browser

if $serve_only; then
  echo "[browser] console at $url/console/ (database $db, prefix $prefix); Ctrl-C stops it"
  wait "$api_pid"
  exit 0
fi

SIGAP_URL="$url" SCREENSHOTS="$PWD/target/screenshots" tests/browser/run.sh "$@"
