# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The real JavaScript clients the suite drives (Apollo Client, graphql-codegen): tests/clients/.
CLIENTS := tests/clients/node_modules/.installed

.PHONY: run test lint format schema migrations bench clean

# GraphiQL's browser files (React, GraphiQL), served by the app itself: api/graphiql/__init__.py.
GRAPHIQL := api/graphiql
# The console's one browser library (htmx), served by the app itself: api/console/assets.py.
CONSOLE := api/console

# Installs Python packages from PyPI and GraphiQL's from the npm registry: each step says what it
# does and shows its progress (about 30 s the first time, nothing after until a lock file changes).
$(STAMP): pyproject.toml $(GRAPHIQL)/package-lock.json $(CONSOLE)/package-lock.json
	@command -v npm >/dev/null || { echo "GraphiQL installs with npm: apt-get install npm"; exit 1; }
	@test -x $(PY) || { echo "== Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "== Upgrading pip in $(VENV)"
	@$(PY) -m pip install --quiet --upgrade pip
	@echo "== Installing the project and its development tools into $(VENV) (pyproject.toml)"
	$(PY) -m pip install -e '.[dev]'
	@echo "== Installing GraphiQL's browser files into $(GRAPHIQL)/node_modules ($(GRAPHIQL)/package-lock.json)"
	npm ci --prefix $(GRAPHIQL) --no-audit --no-fund
	@echo "== Installing the console's browser files into $(CONSOLE)/node_modules ($(CONSOLE)/package-lock.json)"
	npm ci --prefix $(CONSOLE) --no-audit --no-fund
	@touch $(STAMP)
	@echo "== Installed"

run: $(STAMP)
	@$(PY) -m api check-redis
	$(PY) -m api migrate
	$(PY) -m api seed-demo
	$(PY) -m api register-operations $(CONSOLE)/operations/*.graphql
	$(PY) -m api run

$(CLIENTS): tests/clients/package.json tests/clients/package-lock.json
	@echo "== Installing the suite's JavaScript clients into tests/clients/node_modules (tests/clients/package-lock.json)"
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

# After changing models: writes the next migration of each app that changed. Read it: an enum that
# gained values is an AlterField there; make it AlterChoices (core/migration_operations.py).
migrations: $(STAMP)
	DATABASE_URL=sqlite://data/makemigrations.sqlite3 $(PY) -m tortoise -c core.database.TORTOISE_ORM makemigrations
	rm -f data/makemigrations.sqlite3*

# Issue #20: each hot operation on the service and on the bare twin (bench/twin.py), alternating,
# on a scratch PostgreSQL database (bench/side_by_side.py says what it prints). Needs wrk.
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "The bench drives its load with wrk: apt-get install wrk"; exit 1; }
	$(PY) bench/side_by_side.py $(BENCH_ARGS)

# Issue #23: placeBid on the service and on the bare twin (bench/auction_twin.py), alternating, on
# one hot auction and on 1,000 auctions (bench/place_bid.py says what it prints). Needs wrk.
.PHONY: bench-auctions
bench-auctions: $(STAMP)
	@command -v wrk >/dev/null || { echo "The bench drives its load with wrk: apt-get install wrk"; exit 1; }
	$(PY) bench/place_bid.py $(BENCH_ARGS)

# Issue #22: one API process holding 10,000 subscriptions, 1,000 of them following one board,
# under purchases at half of the capacity measured first, against the same run without
# subscribers (bench/live.py says what it prints). Needs wrk (the yardstick).
.PHONY: bench-live
bench-live: $(STAMP)
	@command -v wrk >/dev/null || { echo "The bench's yardstick runs wrk: apt-get install wrk"; exit 1; }
	$(PY) bench/live.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache $(GRAPHIQL)/node_modules $(CONSOLE)/node_modules tests/clients/node_modules
