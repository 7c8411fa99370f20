#!/usr/bin/env bash
# Compares store/src/schema.rs with what `diesel print-schema` generates from a
# database migrated from migrations/: fails and prints the difference when they
# differ. With --write, replaces store/src/schema.rs with the generated schema.
# The database is a throwaway one on 127.0.0.1:5432, dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

server=${SCHEMA_CHECK_SERVER:-postgres://postgres@127.0.0.1:5432}
database="sigap_schema_check_$$"
work=$(mktemp -d)

clean_up() {
  psql "$server/postgres" -qAt -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap clean_up EXIT

psql "$server/postgres" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database" >/dev/null
# An empty configuration for the migrations: with the project's diesel.toml,
# `migration run` would rewrite store/src/schema.rs itself.
touch "$work/diesel.toml"
diesel migration run --config-file "$work/diesel.toml" \
  --migration-dir migrations --database-url "$server/$database" >/dev/null
diesel print-schema --database-url "$server/$database" > "$work/schema.rs"

if [ "${1:-}" = "--write" ]; then
  cp "$work/schema.rs" store/src/schema.rs
  echo "store/src/schema.rs regenerated"
elif diff -u store/src/schema.rs "$work/schema.rs"; then
  echo "store/src/schema.rs matches the migrations"
else
  echo "store/src/schema.rs differs from the migrations' schema (above): run 'make schema' and commit it" >&2
  exit 1
fi
