#!/usr/bin/env bash
# Stops what `make run` started.
cd "$(dirname "$0")/.."
for name in api worker; do
  if [ -f ".run/$name.pid" ]; then
    kill "$(cat ".run/$name.pid")" 2>/dev/null && echo "stopped $name"
    rm -f ".run/$name.pid"
  fi
done
