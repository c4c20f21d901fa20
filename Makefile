# k2020graph — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install web serve test lint format typecheck validate bench browser virtuoso mutation clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

SERVE_STAMP := $(VENV)/.installed-serve
# what serving needs and no more (no test, lint or benchmark tools): the core and the 'server' extra
$(SERVE_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[server]'
	touch $(SERVE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP) web ## create .venv and install the project with its test dependencies (idempotent)

# The site's front-end libraries (YASGUI; axe-core for the accessibility test) from the npm registry, exactly
# as package-lock.json pins them, into node_modules/ (gitignored); the app serves them at /static/vendor/.
# Without npm the site still works: the query page keeps its plain editor.
WEB_STAMP := node_modules/.installed
$(WEB_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $(WEB_STAMP); \
	else echo "npm not found: the query page keeps its plain editor (install Node.js and npm for YASGUI)"; fi

web: $(WEB_STAMP) ## install the front-end libraries from npm (npm ci; needs node and npm)

browser: ## install Debian's chromium for the browser test (needs root; skipped if present)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

virtuoso: ## install Debian's Virtuoso for the external-store tests (needs root; skipped if present)
	@command -v virtuoso-t >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; }

serve: $(SERVE_STAMP) web ## install what serving needs (and the query editor's npm packages) and start the SPARQL endpoint and linked-data site on http://$(HOST):$(PORT)/
	$(BIN)/k2020graph serve --host $(HOST) --port $(PORT)

test: install web browser virtuoso ## install everything and run every test
	$(BIN)/ruff check .
	$(BIN)/mypy k2020graph
	$(BIN)/python -m pytest -q

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check k2020graph tests bench

format: install ## format the Python code
	$(BIN)/ruff format k2020graph tests bench

typecheck: install ## mypy over the package
	$(BIN)/mypy k2020graph

validate: install ## validate the repository's own data
	$(BIN)/k2020graph validate

bench: install ## run the benchmarks under bench/ (see bench/README.md)
	$(BIN)/python bench/run.py

MUTATION_STAMP := $(VENV)/.installed-mutation
$(MUTATION_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench,mutation]'
	touch $(MUTATION_STAMP)

# MUTATION_ARGS are passed to mutation/run.py, e.g. MUTATION_ARGS="--jobs 2 --sample 4 guard cache"
mutation: $(MUTATION_STAMP) ## mutation testing (slow, not part of `make test`): code mutants, then data and shape mutants; prints the scores
	$(BIN)/python mutation/run.py $(MUTATION_ARGS); code=$$?; \
	$(BIN)/python mutation/data_mutants.py || code=1; exit $$code

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .mutation node_modules
