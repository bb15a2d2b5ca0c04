# revlake — two commands do everything on a fresh machine:
#   make demo   bootstrap .venv, generate a demo company into a workspace, run the pipeline
#   make test   bootstrap .venv, lint (ruff), type-check (mypy), run the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO_DIR ?= demo-workspace
DEMO_CUSTOMERS ?= 2000
DEMO_SEED ?= 42

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m revlake.demo.run_demo --workspace $(DEMO_DIR) --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all $(if $(ONLY),--only $(ONLY),)

clean:
	rm -rf $(VENV) $(DEMO_DIR) bench-out test-artifacts
