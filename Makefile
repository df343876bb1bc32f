# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The real JavaScript clients the suite drives (Apollo Client, graphql-codegen): tests/clients/.
CLIENTS := tests/clients/node_modules/.installed

.PHONY: run test lint format schema migrations bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@$(PY) -m api check-redis
	$(PY) -m api migrate
	$(PY) -m api seed-demo
	$(PY) -m api run

$(CLIENTS): tests/clients/package.json tests/clients/package-lock.json
	npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error
	@touch $(CLIENTS)

test: $(STAMP) $(CLIENTS)
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: $(STAMP)
	$(PY) -m api export-schema

# After changing models: writes the next migration of each app that changed.
migrations: $(STAMP)
	DATABASE_URL=sqlite://data/makemigrations.sqlite3 $(PY) -m tortoise -c core.database.TORTOISE_ORM makemigrations
	rm -f data/makemigrations.sqlite3*

clean:
	rm -rf $(VENV) data .pytest_cache tests/clients/node_modules
