# segprofile — the whole set-up is `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export SEGPROFILE_HOME ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run serve worker test test-fast lint format bench system-deps clean

help:
	@echo "make run    — установить, подготовить демо и запустить веб-приложение на http://$(HOST):$(PORT)"
	@echo "make test   — линтеры и все тесты (ставит Chromium при необходимости)"
	@echo "make lint   — ruff, mypy, import-linter"
	@echo "make bench  — бенчмарки (отношения к эталону в том же прогоне)"

# The venv is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]"
	@touch $@

# numba compiles the clustering kernels on their first call: compile them here, once, into its
# cache (beside the kernels' source, or $NUMBA_CACHE_DIR), so that the user's first profile is as
# fast as the second; again whenever numba or the kernels change.
$(VENV)/.numba-warm: $(VENV)/.installed src/segprofile/analysis/_kproto_numba.py
	$(PY) scripts/warm-numba.py
	@touch $@

# Our modules' bytecode is written here too: a command does not compile them on every start
# where Python writes none itself (PYTHONDONTWRITEBYTECODE, a read-only checkout).
install: $(VENV)/.installed $(VENV)/.numba-warm
	@$(PY) -m compileall -q src

system-deps:
	@bash scripts/system-deps.sh

run: install
	@bash scripts/run.sh $(HOST) $(PORT)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

# Spark (the second engine) is installed for the tests; PostgreSQL is started for them.
$(VENV)/.installed-spark: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev,spark]"
	@touch $@

# Test files are spread over this many processes (a file's tests stay together: they share
# module fixtures, the PostgreSQL schema, the worker subprocesses), handed out in the order
# tests/conftest.py puts them: the long files (browser, slow) first, so the processes end together.
TEST_WORKERS ?= 2

test: system-deps install $(VENV)/.installed-spark lint
	bash scripts/test-services.sh $(PY) -m pytest -q -p no:cacheprovider --durations=15 \
		--numprocesses=$(TEST_WORKERS) --dist=loadfile --no-loadscope-reorder

test-fast: install
	$(PY) -m pytest -q -m "not browser and not slow"

bench: install
	$(PY) bench/run.py
	$(PY) bench/bench_data.py
	$(PY) bench/bench_profile.py
	@if [ -f bench/bench_kprototypes.py ]; then $(PY) bench/bench_kprototypes.py; fi
	$(PY) bench/bench_clusters.py
	$(PY) bench/bench_load.py

clean:
	rm -rf $(VENV) var var-keys out .pytest_cache .mypy_cache .ruff_cache
