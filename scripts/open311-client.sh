#!/usr/bin/env bash
# Installs the published Open311 client that tests/tests/open311.rs drives
# (PyPI georeport, pinned in tests/open311_client/requirements.txt) into a
# virtualenv of the project, target/venv-open311. Idempotent: does nothing
# when the pinned version is already there. Prints the venv's python.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/target/venv-open311"
requirements="$root/tests/open311_client/requirements.txt"
pin=$(grep -E '^georeport==' "$requirements")

log() { printf '[open311-client] %s\n' "$*" >&2; }

installed() {
  "$venv/bin/python" -c 'import georeport, sys; sys.exit(georeport.__version__ != sys.argv[1])' \
    "${pin#georeport==}" 2>/dev/null
}

mkdir -p "$root/target"
exec 9>"$root/target/venv-open311.lock"
flock 9
if ! installed; then
  if ! python3 -m venv --help >/dev/null 2>&1; then
    log "installing python3-venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  log "creating $venv with $pin"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  installed
fi
echo "$venv/bin/python"
