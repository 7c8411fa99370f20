#!/usr/bin/env bash
# Makes sure PostgreSQL and RabbitMQ are running on this machine: starts them,
# and installs them with apt-get where they are missing.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 120); do
    port_open "$port" && return 0
    sleep 0.5
  done
  log "$name did not open port $port"; return 1
}

apt_install() {
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql postgresql-contrib
    local version; version=$(ls /etc/postgresql | sort -V | tail -n1)
    # Local development: trust connections over loopback, as the project's machines do.
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' \
      "/etc/postgresql/$version/main/pg_hba.conf"
  fi
  if ! port_open 5432; then
    local version; version=$(ls /etc/postgresql | sort -V | tail -n1)
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || [ $? -eq 2 ]
    wait_port 5432 PostgreSQL
  fi
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
  for _ in $(seq 1 60); do
    psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  log "PostgreSQL is up"
}

ensure_rabbitmq() {
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    apt_install rabbitmq-server
  fi
  if ! port_open 5672; then
    log "starting RabbitMQ"
    rabbitmq-server -detached || true
    rabbitmqctl await_startup >/dev/null 2>&1 || true
    wait_port 5672 RabbitMQ
  fi
  log "RabbitMQ is up"
}

ensure_postgres
ensure_rabbitmq
