# Sigap: `make run` starts everything; `make test` runs every test.
SHELL := /bin/bash
CARGO ?= cargo
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sigap
export AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/%2f

.PHONY: run stop services open311-client build test conformance chaos browser lint openapi check-openapi check-purity check-layers check-deps check-schema schema diesel-cli cargo-machete bench fmt

services:
	@scripts/services.sh

# The Open311 client the e2e tests drive, in a virtualenv of the project.
open311-client:
	@scripts/open311-client.sh >/dev/null

build:
	$(CARGO) build --release --bins

run: services build
	@scripts/run.sh

stop:
	@scripts/stop.sh

# Unit tests and end-to-end tests against real PostgreSQL and RabbitMQ (and
# the published Open311 client georeport, pinned, in target/venv-open311).
test: services open311-client
	$(CARGO) build --workspace --bins
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi

# Schemathesis against the live api, from its OpenAPI document, as every role.
conformance: services
	$(CARGO) build --workspace --bins
	@scripts/conformance.sh

# Fault drills on a private PostgreSQL cluster and RabbitMQ node: a killed
# worker, a broker restart, a short and a 90-second database outage, cut
# broker links, two apis and two workers, a flood of bad requests, lost
# routing messages. Prints what was filed, assigned once,
# lost and duplicated; fails on any loss or duplicate.
chaos: services
	$(CARGO) build --workspace --bins
	$(CARGO) run -q -p sigap-tests --bin sigap-chaos -- $(DRILLS)

# The performance targets (see bench/README.md) measured in one run (about 10 minutes) on a fresh
# database and AMQP prefix of its own; writes BENCHMARKS.md. See bench/README.md.
bench: services
	$(CARGO) build --release --workspace --bins
	./target/release/sigap-bench $(BENCH_ARGS)

# The operator console in Debian's headless Chromium, driven by Playwright
# (node:test), against a real stack of its own; screenshots in target/screenshots/.
browser: services
	$(CARGO) build --workspace --bins
	@scripts/browser.sh

lint: check-purity check-layers check-deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@$(MAKE) --no-print-directory check-openapi
	@$(MAKE) --no-print-directory check-schema

# The domain and the router are pure: no database, HTTP, broker or async runtime.
check-purity:
	@for crate in sigap-domain sigap-router; do \
		if $(CARGO) tree -p $$crate -e normal --prefix none | grep -E '^(diesel|diesel-async|actix|actix-web|lapin|tokio)( |$$)'; then \
			echo "$$crate must not depend on diesel, actix, lapin or tokio"; exit 1; \
		else echo "$$crate is pure"; fi; \
	done

# SQL and the diesel schema live in the store alone: the api's handlers and
# the worker speak the store's functions and domain types.
check-layers:
	@for crate in sigap-api sigap-worker; do \
		if $(CARGO) tree -p $$crate -e normal --depth 1 --prefix none | grep -E '^(diesel|diesel-async|diesel_migrations) '; then \
			echo "$$crate must not depend on diesel: SQL belongs in sigap-store"; exit 1; \
		fi; \
	done
	@if grep -rnE '\bdiesel(_async|_migrations)?::|sigap_store::schema|\bsql_query\b' api/src worker/src; then \
		echo "handlers and the worker must not use the diesel schema or write SQL: add a function to sigap-store"; exit 1; \
	else echo "api and worker speak the store"; fi

openapi:
	$(CARGO) run -q -p sigap-api -- openapi > openapi/openapi.json

# Fails when the committed spec differs from what the code generates.
check-openapi:
	$(CARGO) run -q -p sigap-api -- openapi --check openapi/openapi.json

# No crate declares a dependency it does not use.
check-deps: cargo-machete
	$(CARGO) machete

# store/src/schema.rs is what `diesel print-schema` generates from the
# migrations (on a throwaway database); `make schema` regenerates it.
check-schema: diesel-cli services
	@scripts/check-schema.sh

schema: diesel-cli services
	@scripts/check-schema.sh --write

# Tools of the checks, installed with cargo when missing (diesel_cli links libpq).
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin

diesel-cli:
	@if ! [ -x "$(CARGO_BIN)/diesel" ] && ! command -v diesel >/dev/null 2>&1; then \
		dpkg -s libpq-dev >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y libpq-dev; }; \
		$(CARGO) install diesel_cli --no-default-features --features postgres --locked; \
	fi

cargo-machete:
	@$(CARGO) machete --version >/dev/null 2>&1 || $(CARGO) install cargo-machete --locked

fmt:
	$(CARGO) fmt --all
