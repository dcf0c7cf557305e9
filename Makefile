# Parley: `make demo` runs the embedded demo; `make test` sets everything up and runs every check (what CI runs).
# Idempotent: the venv is reinstalled only when pyproject.toml or constraints.txt change, the Kafka jars
# are downloaded once into .cache/, and apt-get runs only when a program is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: help setup services check test demo bench clean-cache

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv when missing and install Parley with its dev extras (pinned by constraints.txt)

services: setup  ## redis-server, Java, Maven (apt-get when missing) and the Kafka broker jars (Maven, cached)
	$(BIN)/python -m parley.devservers ensure

check: setup  ## ruff + mypy (strict on orchestrator/)
	$(BIN)/ruff check .
	$(BIN)/mypy orchestrator channels consumers parley bench

test: services check  ## everything: set-up, lint, types, the whole pytest suite (real Kafka and Redis)
	$(BIN)/pytest -q

demo: setup  ## the embedded demo: no Kafka, no network (writes report/index.html)
	$(BIN)/parley demo

bench: services  ## throughput and latency benchmarks (each once, quickly: see bench/__main__.py)
	$(BIN)/python -m bench

clean-cache:  ## forget the downloaded Kafka jars
	rm -rf .cache
