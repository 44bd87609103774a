# 太和区基层治理服务平台 — common tasks. `make help` lists them.
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help venv install install-dev migrate seed run worker test lint format

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(PY):
	@PYBIN=$$(bin/find-python) || exit 1; \
	echo "Creating $(VENV) with $$PYBIN"; \
	$$PYBIN -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY) ## Create the virtual environment (Python >= 3.12)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Install runtime dependencies

install-dev: $(VENV)/.installed-dev ## Install runtime, test and lint dependencies

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Load the demo data (idempotent) and rebuild the search index
	$(PY) manage.py seed_demo
	$(PY) manage.py search_index --rebuild

run: seed ## Install, migrate, seed and serve at http://127.0.0.1:8000 with a task worker and the page scheduler
	@echo "Starting the task worker and the server at http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py db_worker --queue-name '*' & \
	while true; do $(PY) manage.py publish_scheduled >/dev/null; sleep 60; done & \
	$(PY) manage.py runserver $(HOST):$(PORT)

# TASK_BACKEND is read as the settings read it (the environment, then .env).
worker: install ## Run the task worker for TASK_BACKEND: db_worker (db, the default) or rqworker (rq)
	@backend=$$($(PY) -c "from config.env import env; print(env.str('TASK_BACKEND', default='db'))"); \
	case "$$backend" in \
		db) exec $(PY) manage.py db_worker --queue-name '*' ;; \
		rq) exec $(PY) manage.py rqworker --job-class django_tasks_rq.Job --with-scheduler \
			$$($(PY) -c "from config.settings.base import TASK_QUEUES; print(*TASK_QUEUES)") ;; \
		immediate) echo "TASK_BACKEND=immediate runs tasks inside the request: no worker is needed" ;; \
		*) echo "TASK_BACKEND=$$backend: expected db, rq or immediate" >&2; exit 2 ;; \
	esac

test: install-dev ## Run the whole test suite (SQLite unless DATABASE_URL is set), one worker per core
	@# The browser tests' accessibility check injects axe-core from npm (package-lock.json).
	@if [ -f package.json ] && [ ! -d node_modules/axe-core ]; then \
		if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund; \
		else echo "npm not found: the accessibility check cannot run (install Node.js and npm)"; fi; \
	fi
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev ## ruff check, ruff format --check, Django checks, migrations up to date
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

format: install-dev ## Format and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
