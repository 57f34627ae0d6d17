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
             $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(filter no,$(PDF)),--no-pdf)
# JupyterLab refuses to start as root (common in containers) unless told it may.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help setup data fetch fetch-check reports report areas lab test validate bench lint clean clean-all

help: ## show this list of targets
	@echo "innsikt — reports for regional growth programmes from Norwegian official statistics"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: DATA=demo|ssb (default demo), PROGRAM=<id> (for report),"
	@echo "           AREAS=4005,4204|county:33|all (for areas), LANGUAGE=nb|en|nn,"
	@echo "           WORKERS=<n>, SCHEDULER=tcp://host:8786 (Dask), PDF=no (web pages only),"
	@echo "           PYTHON=<python3.11+>"

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

fetch-check: $(INSTALLED) ## check every SSB query against SSB's metadata, no download (run first)
	$(BIN)/innsikt fetch --check

data/raw/demo/.complete: $(wildcard pipeline/sources/demo/*.py) pipeline/sources/demo_regions.csv pipeline/areas.py pipeline/geography.py pipeline/data/area_attributes_2024.csv pipeline/data/municipalities_2024.csv pipeline/data/counties_2024.csv pipeline/sources/tables.py $(INSTALLED)
	$(BIN)/innsikt demo
	@touch $@

# Exit 3 = some tables failed and the rest are cached: go on (reports that need only the cached
# tables still render) but leave the stamp untouched, so the next `make` fetches the rest.
data/raw/ssb/.complete: pipeline/sources/tables.py $(INSTALLED)
	@$(BIN)/innsikt fetch; rc=$$?; \
	  if [ $$rc -eq 0 ]; then touch $@; \
	  elif [ $$rc -eq 3 ]; then echo "make: some SSB tables are missing (see above); continuing with the others"; \
	  else exit $$rc; fi

# Pattern rule: processed tables of a source from its raw files.
# Exit 3 = some datasets could not be built (named, with the analyses they block); the
# manifest lists them and the other analyses render.
data/processed/%/manifest.json: data/raw/%/.complete pipeline/datasets.py pipeline/geography.py
	@$(BIN)/innsikt build --source $*; rc=$$?; \
	  if [ $$rc -eq 3 ]; then echo "make: some datasets are missing (see above); continuing"; \
	  elif [ $$rc -ne 0 ]; then exit $$rc; fi

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

validate: $(INSTALLED) ## print size and coverage of every estimator by simulation (validation/results.md)
	$(BIN)/python validation/validate.py

bench: $(INSTALLED) ## innsikt vs the papermill+nbconvert loop, overhead, scaling, memory
	$(BIN)/python benchmarks/bench.py $(if $(WORKERS),--workers $(WORKERS))

lint: $(INSTALLED) ## ruff on the package, tests and notebooks
	$(BIN)/ruff check pipeline tests notebooks

clean: ## remove reports and processed data (raw cache and .venv are kept)
	rm -rf reports/*/ reports/index.html reports/.built-* reports/.staging reports/.run.lock \
	  data/processed/*/ data/raw/demo

clean-all: clean ## also remove .venv (the SSB cache in data/raw/ssb is kept: it is immutable)
	rm -rf $(VENV)
