# smartregion: two commands, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install assets test-provider services lint bench clean

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

# The certified OpenID provider (npm oidc-provider) the login tests start, at the locked version.
test-provider:
	@if command -v npm >/dev/null 2>&1; then \
	  [ -d tests/oidc/node_modules/oidc-provider ] || npm ci --prefix tests/oidc --no-audit --no-fund --silent; \
	else echo "npm not found: the OpenID provider login tests will fail (install Node.js 18 or later)"; fi

# `make run` asks for the development environment: the platform is production unless told otherwise.
run: install
	SMARTREGION_ENV=$${SMARTREGION_ENV:-development} $(VENV)/bin/smartregion run

services:
	@bash scripts/ensure-services.sh

# The tests use DATABASE_URL / REDIS_URL when set, else the servers on 127.0.0.1:5432 / :6379 (started
# here when installed), else the embedded PostgreSQL and Redis that `make run` uses (tests/services.py).
test: install test-provider services
	SMARTREGION_ENV=test $(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var platform/web/node_modules tests/oidc/node_modules
