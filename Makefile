# Two commands on a fresh machine: `make run` and `make test`.
# With DATABASE_URL / REDIS_URL unset, both start an embedded PostgreSQL and Redis under .data/.
VENV := .venv
PYTHON ?= python3
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: run test lint typecheck format install clean-data

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

## run: the whole platform with demo data (web + Celery worker + Celery beat)
run: install
	python -m config.devservices -- python manage.py run_platform

## test: ruff, then mypy, then pytest against real PostgreSQL and Redis
test: install lint typecheck
	python -m config.devservices -- python -m pytest $(PYTEST_ARGS)

lint:
	ruff check .
	ruff format --check .

## typecheck: mypy with django-stubs (settings in pyproject.toml; needs no database)
typecheck: install
	mypy

format:
	ruff check --fix .
	ruff format .

clean-data:
	rm -rf .data
