# incident-analytics — everything a fresh machine with Python 3.11+ and make needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := incident-analytics

# The bundled sample spans 2026-05-04 .. 2026-11-02: its last complete ISO week and month,
# with an explicit report time so the demo gives the same numbers on any day.
DEMO_DB     ?= data/warehouse.duckdb
DEMO_WEEK   := 2026-W44
DEMO_AS_OF  := 2026-11-02T00:00:00Z
DEMO_PERIOD := 2026-10

.PHONY: help install demo test test-slow lint format lab bench clean

help:
	@echo "make demo   set up .venv, ingest data/sample, write the weekly report and payroll export"
	@echo "make test   set up .venv and run the test suite (fast tier)"
	@echo "make test-slow | lint | format | lab | bench | clean"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) \
		--display-name "Python (incident-analytics)" >/dev/null
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/incident-analytics ingest data/sample --db $(DEMO_DB) --quiet
	$(BIN)/incident-analytics report weekly --week $(DEMO_WEEK) --as-of $(DEMO_AS_OF) --db $(DEMO_DB)
	$(BIN)/incident-analytics payroll --period $(DEMO_PERIOD) --db $(DEMO_DB)

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lab: $(STAMP)
	$(BIN)/incident-analytics lab

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
	rm -f data/warehouse.duckdb data/warehouse.duckdb.wal
