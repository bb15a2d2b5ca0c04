# revlake — two commands do everything on a fresh machine:
#   make demo   bootstrap .venv, generate a demo company into a workspace, run the pipeline
#   make test   bootstrap .venv, lint (ruff), type-check (mypy), run the whole test suite
#   make test-fast  lint, then the fast lane of the tests (no dbt builds, browser, Spark, PostgreSQL)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_DIR ?= demo-workspace
DEMO_CUSTOMERS ?= 2000
DEMO_SEED ?= 42
DEMO_PORT ?= 8000

.PHONY: demo test test-fast lint typecheck unit services bench soak clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m revlake.demo.run_demo --dir $(DEMO_DIR) --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED) $(if $(NO_SERVE),--no-serve,) --port $(DEMO_PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# What the tests talk to for real: PostgreSQL, Chromium and axe-core (browser tests), Java (Spark).
services:
	bash scripts/ensure_postgres.sh
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_axe.sh
	bash scripts/ensure_java.sh

# DuckDB's Python binding (nanobind) prints reference-leak notes at interpreter exit; they
# are about the binding's own objects, say nothing of the tests, and would otherwise follow
# pytest's closing line. The exit status is pytest's own (PIPESTATUS).
unit: $(STAMP) services
	PYTHONUNBUFFERED=1 $(BIN)/python -m pytest $(PYTEST_ARGS) 2>&1 | grep --line-buffered -v -E '^(nanobind: | - leaked | - \.\.\. skipped remainder|See https://nanobind)'; \
	status=$${PIPESTATUS[0]}; exit $$status

test: lint typecheck unit

# The fast lane: no dbt build of a company, no Chromium, no Spark/Java, no PostgreSQL
# (markers set in tests/conftest.py from each test's fixtures); `make test` runs everything.
FAST_MARKERS := not slow and not browser and not spark and not postgres
test-fast: lint
	PYTHONUNBUFFERED=1 $(BIN)/python -m pytest -q -m "$(FAST_MARKERS)" $(PYTEST_ARGS) 2>&1 | grep --line-buffered -v -E '^(nanobind: | - leaked | - \.\.\. skipped remainder|See https://nanobind)'; \
	status=$${PIPESTATUS[0]}; exit $$status

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all $(if $(ONLY),--only $(ONLY),)

# Bounded abuse soak on loopback (issue 18): legit load + wrong-secret flood + big bodies +
# publishes + kill -9 of runs; p50/p99, errors, memory. SOAK_ARGS e.g. "--attack 60".
soak: $(STAMP)
	$(BIN)/python -m benchmarks.bench_soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_DIR) bench-out test-artifacts
