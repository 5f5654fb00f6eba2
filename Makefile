# peermap: the two commands are `make demo` and `make test`; each sets up what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha256sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: help venv bytecode lint-js demo test lint format fuzz browser notebooks docs benchmarks clean

help:
	@echo "make demo   - set up .venv, make the synthetic County Durham data, write the meeting pack to out/"
	@echo "make test   - set up .venv, Chromium and a local Neo4j, run the linters and the whole test suite"
	@echo "make format - let ruff sort imports and format the Python (make test checks both)"
	@echo "make lint-js - ESLint over the pages' own scripts (exports/static/*.js), as package-lock.json pins it"
	@echo "make fuzz   - run the loader's property-based tests at random for FUZZ_MINUTES (60), then docs/fuzzing.md"
	@echo "make notebooks - open the analyst notebooks in JupyterLab (starts the local Neo4j for notebook 02)"
	@echo "make neo4j-start / neo4j-stop - run the local Neo4j server (eval \"\$$(make -s neo4j-start)\")"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

# Our own modules' bytecode, written as pip writes it for a package it installs: an editable install has
# none, and where PYTHONDONTWRITEBYTECODE is set (as on our machines) every command compiled them all again,
# 0.13 s each time. Files already compiled are skipped; an edited one is compiled again here.
bytecode: $(STAMP)
	@$(PY) -m compileall -q peermap graph_models geo mapping exports

# ESLint, as package.json and package-lock.json pin it, installed into node_modules/ again only when the lock changes.
$(NODE_STAMP): package-lock.json
	@command -v npm >/dev/null || { echo "make lint-js needs Node.js 20.19 or later with npm (for ESLint)" >&2; exit 1; }
	npm ci --no-audit --no-fund --silent
	@touch $@

lint-js: $(NODE_STAMP)
	node_modules/.bin/eslint exports/static eslint.config.js

demo: $(STAMP) bytecode
	$(VENV)/bin/peermap demo --out out

# Debian's chromium and chromium-driver, for the browser tests (no tool downloads its own browser).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@/usr/bin/chromium --version

# ruff's lint and format check over the Python (make format rewrites it).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The linters (ruff, ESLint), then the tests on two cores (the docstring examples among them:
# tests/test_doctests.py): the tests that share the one Neo4j server one at a time on one worker, beside
# the rest; a file's tests on one worker, the longest files first (tests/conftest.py, worker_queue).
test: $(STAMP) bytecode browser lint lint-js
	@set -e; \
	env="$$($(MAKE) -s neo4j-start)"; eval "$$env"; \
	trap '$(MAKE) -s neo4j-stop' EXIT; \
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# The loader's property-based tests at random (make test runs them derandomised), counts to docs/fuzzing.md.
FUZZ_MINUTES ?= 60
fuzz: $(STAMP)
	PEERMAP_FUZZ=$$(( $(FUZZ_MINUTES) * 60 )) $(PY) -m pytest -q -x tests/test_fuzz_loading.py

# The analyst notebooks in JupyterLab, with the local Neo4j running for notebook 02.
notebooks: $(STAMP)
	@$(PY) -c "import jupyterlab" 2>/dev/null || $(PY) -m pip install --quiet -e '.[test,notebooks]'
	@set -e; env="$$($(MAKE) -s neo4j-start NEO4J_HEAP=2g NEO4J_PAGECACHE=3g)"; eval "$$env"; \
	$(PY) -m jupyter lab notebooks/

# Regenerate the generated parts of README.md and docs/ (the tests fail when they drift).
docs: $(STAMP) browser
	PEERMAP_SCREENSHOTS=docs/images $(PY) -m pytest -q tests/test_pack_browser.py tests/test_time_control.py
	$(PY) scripts/generate_docs.py

# Performance measurements (minutes; not part of `make test`), then docs/performance.md.
benchmarks: $(STAMP) bytecode
	@set -e; env="$$($(MAKE) -s neo4j-start NEO4J_HEAP=2g NEO4J_PAGECACHE=3g)"; eval "$$env"; \
	for bench in benchmarks/bench_*.py; do echo "== $$bench"; $(PY) $$bench; done
	$(PY) scripts/generate_docs.py

clean:
	rm -rf out .pytest_cache

-include make/neo4j.mk
