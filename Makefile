# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements

.PHONY: run test test-heavy lint format venv chat demo import bench bench-analytics bench-webhook bench-search bench-import bench-charts bench-alerts clean-data

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

## Serve the app on PORT (default 5000); embedded PostgreSQL + demo shop unless DATABASE_URL is set.
run: venv
	$(PY) main.py

## The whole test suite against real PostgreSQL (embedded unless TEST_DATABASE_URL/DATABASE_URL).
test: venv
	$(PY) -m pytest -q

## Heavy variants (soak, large data); not part of `make test`.
test-heavy: venv
	$(PY) -m pytest -q -m slow --run-slow

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Ask the assistant from the terminal: make chat Q="revenue last month?" PSID=6100000000000001
chat: venv
	$(VENV)/bin/flask --app main ask --psid "$(or $(PSID),6100000000000001)" "$(Q)"

## Load the demo shop into the configured database: make demo ORDERS=1000000
demo: venv
	$(VENV)/bin/flask --app main demo --orders "$(or $(ORDERS),6000)" --replace

## Import the shop's own exports: make import FILE="hoa_don.csv hang_hoa.xlsx" ARGS="--dry-run"
import: venv
	@test -n "$(FILE)" || { echo 'usage: make import FILE="export.csv [more.xlsx]" [ARGS="--dry-run"]'; exit 2; }
	$(VENV)/bin/flask --app main import $(FILE) $(ARGS)

## Analytics benchmark at 1M orders (minutes): make bench-analytics
bench-analytics: venv
	$(PY) -m bench.analytics

## Webhook latency/throughput, pipeline overhead, 200-sender burst (minutes): make bench-webhook
bench-webhook: venv
	$(PY) -m bench.webhook

## Search quality (labelled queries) and latency at 10k/100k products (minutes): make bench-search
bench-search: venv
	$(PY) -m bench.search

## Import speed: 1M order lines from CSV, re-import, dry run, 100k lines from XLSX (minutes)
bench-import: venv
	$(PY) -m bench.imports

## Chart render time per shape and upload-to-send time against the fake Graph API: make bench-charts
bench-charts: venv
	$(PY) -m bench.charts

## The low-stock check over 10k and 100k inventory lines: make bench-alerts
bench-alerts: venv
	$(PY) -m bench.stock_alerts

bench: bench-analytics bench-webhook bench-search bench-import bench-charts bench-alerts

clean-data:
	rm -rf .data
