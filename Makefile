# Guardrail: two commands do all the set-up.
#   make run    the whole product (web, Celery worker, Celery beat) with demo data
#   make test   the whole test suite
#   make lint   ruff (lint and format) and the import-layer contract of pyproject.toml
# Without DATABASE_URL / REDIS_URL both start an embedded PostgreSQL and Redis under var/.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint format bench fuzz migrate clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,embedded]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m isms.devstack run

test: $(STAMP)
	$(PY) -m isms.devstack test $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# A long, randomised schemathesis run over every API operation (make test runs a short one).
fuzz: $(STAMP)
	GUARDRAIL_FUZZ_EXAMPLES=$${GUARDRAIL_FUZZ_EXAMPLES:-100} GUARDRAIL_FUZZ_RANDOM=1 $(PY) -m isms.devstack test -m fuzz $(PYTEST_ARGS)

migrate: $(STAMP)
	$(PY) -m isms.devstack manage migrate

bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	DJANGO_SETTINGS_MODULE=bench.settings $(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf var/postgres var/redis var/static
