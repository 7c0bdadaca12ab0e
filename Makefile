# smartregion: two commands, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install assets services lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) assets

# Front-end assets (Bootstrap Italia) from the npm registry, served locally; skipped without npm.
assets:
	@if command -v npm >/dev/null 2>&1; then \
	  [ -d platform/web/node_modules/bootstrap-italia ] || npm install --prefix platform/web --no-audit --no-fund --silent; \
	else echo "npm not found: pages use the plain stylesheet (install Node.js for Bootstrap Italia)"; fi

run: install
	$(VENV)/bin/smartregion run

services:
	@bash scripts/ensure-services.sh

# The tests use DATABASE_URL / REDIS_URL when set, else the servers on 127.0.0.1:5432 / :6379 (started
# here when installed), else the embedded PostgreSQL and Redis that `make run` uses (tests/services.py).
test: install services
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var platform/web/node_modules
