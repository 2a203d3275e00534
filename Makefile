# `make run` serves the app on SQLite with the shipped courses; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-run pip only when pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-app

# Plain HTTP on loopback, so cookies cannot be Secure-only here; content reloads when files change.
run: $(VENV)/.installed-app
	@mkdir -p instance
	$(BIN)/lms db upgrade
	@echo "Serving Marketplace Agent Training at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	LMS_COOKIE_SECURE=0 LMS_CONTENT_AUTO_RELOAD=1 LMS_PUBLIC_URL=http://$(HOST):$(PORT) \
		$(BIN)/lms run --host $(HOST) --port $(PORT)

# axe-core for the browser tests' accessibility checks (from the npm registry, pinned in package-lock.json).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Database tests also run on PostgreSQL: LMS_TEST_DATABASE_URL, else the local server when one answers.
LOCAL_PG := postgresql+psycopg://postgres@127.0.0.1:5432/lms_test
# ruff (style, import order, common bugs) and mypy (types) on the code; `make test` runs them first.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check lms tests bench
	$(BIN)/mypy

test: lint node_modules/.installed
	@if [ -z "$$LMS_TEST_DATABASE_URL" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		export LMS_TEST_DATABASE_URL="$(LOCAL_PG)"; echo "PostgreSQL tests use $(LOCAL_PG)"; fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(VENV)/.installed-app
	$(BIN)/lms check --strict

bench: $(VENV)/.installed-test
	$(BIN)/python bench/content_load.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/capacity.py
	$(BIN)/python bench/rcl.py
	$(BIN)/python bench/console.py

clean:
	rm -rf $(VENV) .pytest_cache node_modules
