# Every target bootstraps .venv with uv from a clean checkout; nothing else is assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite starts many interpreters (xdist's workers, servers, the CLI), each importing
# FastAPI, SQLAlchemy and the app. Where the environment sets PYTHONDONTWRITEBYTECODE (this
# machine's does), each compiled every module it imports from source again:
# tests/operations/test_server.py took 145 s of CPU, against 59 with the bytecode cached.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help install run test screenshots test-fast lint format lock clean bench bench-million fuzz soak mutation image image-test

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

$(INSTALLED): $(UV) requirements-dev.txt pyproject.toml
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(INSTALLED) ## Create .venv and install the pinned dependencies

run: $(INSTALLED) ## Serve the site on http://127.0.0.1:8000 (embedded SQLite)
	$(BIN)/inkwell serve --host $(HOST) --port $(PORT)

# The measured load tests time a server against bounds: they run alone, after the rest, so
# that no other test competes with them for the two cores. `--dist loadgroup` keeps a module
# with a costly fixture on one worker (tests/scheduling.py).
test: $(INSTALLED) ## Run the whole test suite (SQLite and PostgreSQL)
	$(BIN)/pytest -n 2 --dist loadgroup -m "not measured and not image"
	$(BIN)/pytest -m measured

screenshots: $(INSTALLED) ## Retake the README's screenshots (docs/screenshots) from the browser tests
	UPDATE_SCREENSHOTS=1 $(BIN)/pytest -n 0 -q tests/web/browser/test_accessibility.py tests/web/browser/test_reading.py tests/web/browser/test_markdown_editor.py

test-fast: $(INSTALLED) ## The inner loop: data tests on SQLite alone; no browsers, servers, waits or load tests
	$(BIN)/pytest -n 2 -m "not slow and not browser and not measured and not image" --databases sqlite

# BENCH_DURATION=2s BENCH_WARMUP=1s makes a smoke run of about two minutes; BENCH_DATASET=1m
# seeds a million posts instead of 10,000; see bench/runner.py.
bench: $(INSTALLED) ## Benchmark Inkwell against the sync, tutorial and raw designs (~15 min)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-bench.txt
	command -v wrk >/dev/null || (apt-get update && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 wrk)
	BENCH_DURATION="$(BENCH_DURATION)" BENCH_WARMUP="$(BENCH_WARMUP)" BENCH_CONNECTIONS="$(BENCH_CONNECTIONS)" BENCH_DATASET="$(BENCH_DATASET)" $(BIN)/python -m bench

# The database is seeded once (a million posts) and kept: BENCH_MILLION_URL names it.
bench-million: $(INSTALLED) ## Inkwell on a million posts: deep cursor pages, authors, cache, tail latency
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-bench.txt
	command -v wrk >/dev/null || (apt-get update && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 wrk)
	BENCH_DURATION="$(BENCH_DURATION)" BENCH_WARMUP="$(BENCH_WARMUP)" BENCH_CONNECTIONS="$(BENCH_CONNECTIONS)" BENCH_MILLION_URL="$(BENCH_MILLION_URL)" $(BIN)/python -m bench.million

FUZZ_SECONDS ?= 300
fuzz: $(INSTALLED) ## Schemathesis on a real server, signed in then anonymous (FUZZ_SECONDS each)
	$(BIN)/python -m tests.fuzz $(FUZZ_SECONDS)

SOAK_SECONDS ?= 600
soak: $(INSTALLED) ## Mixed traffic at 64 connections on PostgreSQL for SOAK_SECONDS, then a report
	SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/python -m tests.soak

# MUTATION_MODULES="auth/tokens.py posts/service.py" measures only those, and
# "posts/service.py:listed_columns" only that function's mutants; see tests/mutation.
mutation: $(INSTALLED) ## Mutation-test the security-critical modules, one worker; print scores
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-mutation.txt
	$(BIN)/python -m tests.mutation $(MUTATION_MODULES)

lint: $(INSTALLED) ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

format: $(INSTALLED) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

lock: $(UV) ## Re-pin requirements*.txt from pyproject.toml
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml -o requirements.txt
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml --extra dev -o requirements-dev.txt
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml --extra bench -o requirements-bench.txt
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml --extra mutation -o requirements-mutation.txt

# The production image (deploy/Dockerfile, docs/deployment.md): podman, or docker where a
# Docker daemon answers. podman reads the settings this machine needs (limits within its
# hard limits, runc, cgroupfs) from .image/containers.conf, written fresh by each target.
IMAGE ?= inkwell:latest
CONTAINER_ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
CONTAINERS_CONF ?= $(CURDIR)/.image/containers.conf
export IMAGE CONTAINER_ENGINE CONTAINERS_CONF

.image/containers.conf: FORCE
	@mkdir -p .image && deploy/image/containers-conf.sh > $@
FORCE:

image: .image/containers.conf ## Build the production image (IMAGE, default inkwell:latest) with podman or docker
	deploy/image/build.sh

# Real containers against the host's PostgreSQL and Redis; one at a time (they share ports).
image-test: $(INSTALLED) .image/containers.conf ## Check the built image: serve, migrate, read-only, SIGTERM, health
	$(BIN)/pytest -n 0 -m image tests/image

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants .image
