# Parley: `make demo` runs the main job on the embedded default; `make test` sets up and runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup services check test demo bench clean-cache

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

services: setup  ## redis-server (apt) and the Kafka broker jars (Maven), cached
	$(BIN)/python -m parley.devservers ensure

check: setup
	$(BIN)/ruff check .
	$(BIN)/mypy orchestrator channels consumers parley

test: services check
	$(BIN)/pytest -q

demo: setup
	$(BIN)/parley demo

bench: services
	$(BIN)/python -m bench

clean-cache:
	rm -rf .cache
