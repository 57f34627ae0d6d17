# innsikt — the front door. `make` (or `make help`) lists the targets.
# Everything runs inside .venv, created by `make setup` from pyproject.toml; nothing is
# installed or registered outside this folder.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DATA ?= demo
PROGRAM ?=
LANGUAGE ?=
WORKERS ?=
AREAS ?=
SCHEDULER ?=
PYTEST_ARGS ?=

PROGRAM_FILES := $(wildcard programs/*.yml)
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
PACKAGE_FILES := $(shell find pipeline -type f ! -path '*/__pycache__/*' ! -name '*.pyc' 2>/dev/null)
RAW_STAMP := data/raw/$(DATA)/.complete
PROCESSED := data/processed/$(DATA)/manifest.json
# One stamp per data source and language: `make reports && make reports LANGUAGE=en` builds
# both (English into reports/en/, with its own incremental state).
REPORTS_STAMP := reports/.built-$(DATA)$(if $(LANGUAGE),-$(LANGUAGE))
RUN_FLAGS := --source $(DATA) $(if $(LANGUAGE),--language $(LANGUAGE)) $(if $(WORKERS),-j $(WORKERS)) \
             $(if $(SCHEDULER),--scheduler $(SCHEDULER))
# JupyterLab refuses to start as root (common in containers) unless told it may.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help setup data fetch reports report areas lab test bench lint clean clean-all

help: ## show this list of targets
	@echo "innsikt — reports for regional growth programmes from Norwegian official statistics"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: DATA=demo|ssb (default demo), PROGRAM=<id> (for report),"
	@echo "           AREAS=4005,4204|county:33|all (for areas), LANGUAGE=nb|en|nn,"
	@echo "           WORKERS=<n>, SCHEDULER=tcp://host:8786 (Dask), PYTHON=<python3.11+>"

setup: $(INSTALLED) ## create .venv with every dependency (runs again when pyproject.toml changes)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "innsikt needs Python 3.11 or newer; run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@
	@echo "environment ready in $(VENV)"

data: $(PROCESSED) ## build the processed tables (DATA=demo: synthetic, offline; DATA=ssb: fetch from SSB)

fetch: $(INSTALLED) ## fetch SSB tables into the cache data/raw/ssb (warm cache: no requests)
	$(BIN)/innsikt fetch

data/raw/demo/.complete: pipeline/sources/demo.py pipeline/sources/tables.py $(INSTALLED)
	$(BIN)/innsikt demo
	@touch $@

data/raw/ssb/.complete: pipeline/sources/tables.py $(INSTALLED)
	$(BIN)/innsikt fetch
	@touch $@

# Pattern rule: processed tables of a source from its raw files.
data/processed/%/manifest.json: data/raw/%/.complete pipeline/datasets.py pipeline/geography.py
	$(BIN)/innsikt build --source $*

reports: $(REPORTS_STAMP) ## render every programme's reports (only what changed is rebuilt)

$(REPORTS_STAMP): $(PROCESSED) $(PROGRAM_FILES) $(NOTEBOOKS) $(PACKAGE_FILES)
	$(BIN)/innsikt run $(RUN_FLAGS)
	@touch $@

report: $(PROCESSED) ## render one programme: make report PROGRAM=<id>
	@test -n "$(PROGRAM)" || { echo "usage: make report PROGRAM=<id>  (ids: $(basename $(notdir $(PROGRAM_FILES))))"; exit 2; }
	$(BIN)/innsikt run -p $(PROGRAM) $(RUN_FLAGS)

areas: $(PROCESSED) ## area profiles without a programme: make areas AREAS=4005,4204|county:33|all
	@test -n "$(AREAS)" || { echo "usage: make areas AREAS=4005,4204  (or county:33, or all)"; exit 2; }
	$(BIN)/innsikt run --areas $(AREAS) $(RUN_FLAGS)

lab: $(PROCESSED) ## open the notebooks in JupyterLab (project environment and kernel)
	@$(if $(LAB_FLAGS),echo "running as root: starting JupyterLab with --allow-root")
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_FLAGS)

test: $(INSTALLED) ## run the test suite (pytest)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(INSTALLED) ## innsikt vs the papermill+nbconvert loop, overhead, scaling, memory
	$(BIN)/python benchmarks/bench.py $(if $(WORKERS),--workers $(WORKERS))

lint: $(INSTALLED) ## ruff on the package, tests and notebooks
	$(BIN)/ruff check pipeline tests notebooks

clean: ## remove reports and processed data (raw cache and .venv are kept)
	rm -rf reports/*/ reports/index.html reports/.built-* reports/.staging reports/.run.lock \
	  data/processed/*/ data/raw/demo

clean-all: clean ## also remove .venv (the SSB cache in data/raw/ssb is kept: it is immutable)
	rm -rf $(VENV)
