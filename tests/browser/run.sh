#!/usr/bin/env bash
# Runs the browser tests, one file at a time, against SIGAP_URL: a Sigap api
# started with SIGAP_ENV=dev and a worker (scripts/browser.sh starts both).
set -euo pipefail
cd "$(dirname "$0")"
: "${SIGAP_URL:?SIGAP_URL must name a running Sigap api started with SIGAP_ENV=dev}"
if [ "$#" -eq 0 ]; then
  set -- ./*.test.js
fi
exec node --test --test-concurrency=1 --test-timeout=90000 --test-reporter=spec "$@"
