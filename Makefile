# Two commands on a fresh machine: `make run` and `make test`.
# With DATABASE_URL / REDIS_URL unset, both start an embedded PostgreSQL and Redis under .data/.
VENV := .venv
PYTHON ?= python3
export PATH := $(abspath $(VENV))/bin:$(PATH)

# pytest-xdist worker processes for `make test`; TEST_WORKERS=0 runs the tests serially.
TEST_WORKERS ?= 2

.PHONY: run test lint rules typecheck format install browser clean-data

AXE_VERSION := 4.14.1
AXE := .data/npm/node_modules/axe-core/axe.min.js

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

## run: the whole platform with demo data (web + Celery worker + Celery beat)
run: install
	python -m config.devservices -- python manage.py run_platform

## test: ruff, then mypy, then pytest (in parallel) against real PostgreSQL and Redis
test: install lint typecheck browser
	python -m config.devservices -- python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: rules
	ruff check .
	ruff format --check .
	lint-imports

## rules: check the Prometheus alert rules and run their unit tests (promtool, Debian package
## `prometheus`); skipped with a notice where promtool is missing, except in CI
rules:
	@if command -v promtool >/dev/null 2>&1; then \
		promtool check rules deploy/prometheus/alerts.yml && \
		promtool test rules deploy/prometheus/alerts_test.yml; \
	elif [ -n "$$CI" ]; then \
		echo "promtool is missing (apt-get install prometheus)"; exit 1; \
	else \
		echo "promtool not found: Prometheus rules not checked (apt-get install prometheus)"; \
	fi

## typecheck: mypy with django-stubs (settings in pyproject.toml; needs no database)
typecheck: install
	mypy

## browser: what the browser tests need: Debian's chromium (installed here when run as root)
## and axe-core from npm. Without them the browser tests are skipped and say why.
browser:
	@test -x /usr/bin/chromium || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null \
	  && { apt-get install -y -qq chromium >/dev/null 2>&1 \
	       || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; }; } \
	  || echo "chromium is not installed (sudo apt-get install chromium): browser tests will be skipped"
	@test -f $(AXE) || { command -v npm >/dev/null \
	  && npm install --silent --no-save --no-audit --no-fund --prefix .data/npm axe-core@$(AXE_VERSION) >/dev/null; } \
	  || echo "npm is not installed: accessibility checks will be skipped"

format:
	ruff check --fix .
	ruff format .

clean-data:
	rm -rf .data
