# The two commands of the README: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask --app reviewapp
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint install bench soak screenshots

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

# Style and layers first (ruff; lint-imports with the contracts in pyproject.toml),
# then the whole suite.
test: $(VENV)/.installed-dev
	$(BIN)/ruff check reviewapp tests migrations benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# The soak test at length: gunicorn + PostgreSQL under mixed load for
# SOAK_SECONDS (default 240; `make test` runs it for 30 s). Needs
# TEST_DATABASE_URL; the server's database is its name + "_soak".
SOAK_SECONDS ?= 240
soak: $(VENV)/.installed-dev
	SOAK_SECONDS=$(SOAK_SECONDS) REQUIRE_POSTGRES=1 $(BIN)/python -m pytest tests/soak -m soak -rA $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check reviewapp tests migrations benchmarks

# Benchmarks print Markdown tables for docs/performance.md.
# QUICK=1: page latency at size S only (under two minutes; .ci/run uses it).
# BENCH_DATABASE_URL=postgresql://.../reviewapp_bench adds PostgreSQL
# (databases reviewapp_bench_s, _m, _l are dropped and recreated as needed).
# The full form also runs `retractions import` of 65,000 rows and requests/s
# under gunicorn (uses wrk when installed: apt-get install -y wrk).
QUICK ?=
bench: $(VENV)/.installed-dev
ifeq ($(QUICK),)
	$(BIN)/python -m benchmarks.citations
	$(BIN)/python -m benchmarks.claims
	$(BIN)/python -m benchmarks.retractions
	$(BIN)/python -m benchmarks.http
endif
	QUICK=$(QUICK) $(BIN)/python -m benchmarks.pages
	QUICK=$(QUICK) $(BIN)/python -m benchmarks.audit_verify

# The README's pictures (docs/screenshots/*.png, checked in): the first-ten-minutes
# browser test on the demo data saves each step's 1366x900 viewport; pngquant and
# optipng (apt-get install -y pngquant optipng) shrink them when installed. The old
# pictures are replaced only when the whole walk passed.
screenshots: $(VENV)/.installed-dev
	set -e; shots=$$(mktemp -d); trap 'rm -rf "$$shots"' EXIT; \
	TEST_DATABASE_URL= REQUIRE_BROWSER=1 SCREENSHOTS_DIR="$$shots" $(BIN)/python -m pytest -q \
	  tests/e2e/test_first_ten_minutes.py -k sqlite; \
	if command -v pngquant >/dev/null; then \
	  pngquant --quality=80-95 --skip-if-larger --force --ext .png "$$shots"/*.png || true; fi; \
	if command -v optipng >/dev/null; then optipng -quiet -o2 "$$shots"/*.png; fi; \
	mkdir -p docs/screenshots; rm -f docs/screenshots/*.png; \
	cp "$$shots"/*.png docs/screenshots/; ls -s docs/screenshots
