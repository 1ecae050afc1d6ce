# The two commands of the README: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask --app reviewapp
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint install bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check reviewapp tests migrations benchmarks

# Benchmarks print Markdown tables for the README's performance section.
# QUICK=1: page latency at size S only (under two minutes; .ci/run uses it).
# BENCH_DATABASE_URL=postgresql://.../reviewapp_bench adds PostgreSQL
# (databases reviewapp_bench_s, _m, _l are dropped and recreated as needed).
QUICK ?=
bench: $(VENV)/.installed-dev
ifeq ($(QUICK),)
	$(BIN)/python -m benchmarks.citations
endif
	QUICK=$(QUICK) $(BIN)/python -m benchmarks.pages
