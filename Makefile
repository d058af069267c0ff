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

.PHONY: help install demo test test-slow lint format lab bench clean FORCE

help:
	@echo "make demo   set up .venv, ingest data/sample, write the weekly report and payroll export"
	@echo "make test   set up .venv and run the test suite (fast tier)"
	@echo "make test-slow | lint | format | lab | bench | clean"

# The interpreter must be 3.11+ (pyproject's requires-python); say so in one line instead of
# leaving a half-made .venv behind. PY_OK is the test, run by the shell: exit 0 when 3.11+.
PY_OK := -c 'import sys; sys.exit(sys.version_info < (3, 11))'

# A .venv whose python is missing, broken or older than 3.11 (made by another interpreter,
# e.g. a first `make` with python3.10) is rebuilt, whatever the stamp says.
VENV_OK := $(shell $(VENV)/bin/python $(PY_OK) >/dev/null 2>&1 && echo yes)
ifneq ($(VENV_OK),yes)
$(STAMP): FORCE
endif

$(STAMP): pyproject.toml
	@$(PYTHON) $(PY_OK) >/dev/null 2>&1 || { echo "incident-analytics needs Python 3.11 or newer, but $(PYTHON) is $$($(PYTHON) --version 2>&1 || echo 'not found'): run make PYTHON=python3.11 (or newer)" >&2; exit 1; }
	@if [ -e $(VENV) ] && [ "$(VENV_OK)" != yes ]; then echo "$(VENV) was made by another Python ($$($(VENV)/bin/python --version 2>&1 | head -n 1)): recreating it"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	# Display name = name, as in each notebook's metadata and as analytics.reports.ensure_kernel
	# registers it: JupyterLab rewrites a notebook's kernelspec that differs, so a notebook
	# would open already modified.
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) \
		--display-name "$(KERNEL)" >/dev/null
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/incident-analytics ingest data/sample --db $(DEMO_DB) --quiet
	$(BIN)/incident-analytics report weekly --week $(DEMO_WEEK) --as-of $(DEMO_AS_OF) --db $(DEMO_DB)
	$(BIN)/incident-analytics payroll --period $(DEMO_PERIOD) --db $(DEMO_DB)
	$(BIN)/incident-analytics report compensation --period $(DEMO_PERIOD) --as-of $(DEMO_AS_OF) --db $(DEMO_DB)

# The fast tier on every core (pytest-xdist): each worker builds its own session fixtures in
# its own temporary folder, so the tests share nothing.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint analytics/sql

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Jupyter options pass through: make lab LAB_ARGS="--ip 0.0.0.0 --no-browser" (as root too).
LAB_ARGS ?=
lab: $(STAMP)
	$(BIN)/incident-analytics lab $(LAB_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

FORCE:

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
	rm -f data/warehouse.duckdb data/warehouse.duckdb.wal
