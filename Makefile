# The README's two commands: `make demo` and `make test`. Each sets up what it
# needs (a virtual environment in .venv with the package and its dependencies).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo demo-serve check test pytest bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

demo: setup
	$(BIN)/prem demo

# After `make demo`: the web survey on http://127.0.0.1:5000/ with the demo round, and the staff pages on
# http://127.0.0.1:5000/staff/ (the demo accounts and passwords `make demo` printed).
demo-serve: setup
	DATABASE_URL=sqlite:///$(CURDIR)/demo-output/prem.sqlite $(BIN)/prem serve

# The rules the tools state (fail fast, cheapest first): lint, format, the import table, types.
check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# `make test` = the checks, then the tests; `make pytest` runs the tests alone.
test: check pytest

pytest: setup
	@if command -v npm >/dev/null 2>&1; then \
	    npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error >/dev/null \
	    || echo 'npm ci failed: the accessibility tests will skip (need axe-core in tests/e2e/node_modules)'; \
	else echo 'npm not found: the accessibility tests will skip (install nodejs and npm)'; fi
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-output .pytest_cache
