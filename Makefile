# Two commands do everything on a fresh clone:
#   make run    set up, migrate, load demo data, serve the messaging service:
#               the chat page at /, the API at /api/ (runserver is ASGI
#               through daphne: HTTP and WebSockets)
#   make test   set up, run every module's tests, print one summary line
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The module list lives in .ci/modules (folder and kind per line).
MODULES := $(shell awk '$$1 ~ /^[[:alnum:]_]/ {print $$1}' .ci/modules)
PLAIN_MODULES := $(shell awk '$$1 ~ /^[[:alnum:]_]/ && $$2 == "plain" \
                               {print $$1}' .ci/modules)

.PHONY: setup lock test run bench lint clean deploy-up deploy-down

setup:
	@PYTHON=$(PYTHON) bash .ci/setup-venv

# Rewrite the lock files (requirements-dev.lock, messaging_app/requirements.lock)
# after a requirements file changed; commit them with it.
lock:
	@PYTHON=$(PYTHON) bash .ci/lock

test: setup
	@$(PY) .ci/run_tests.py $(TEST_ARGS)

run: setup
	cd messaging_app && DJANGO_DEBUG=$${DJANGO_DEBUG:-1} ../$(PY) manage.py migrate --noinput
	cd messaging_app && DJANGO_DEBUG=$${DJANGO_DEBUG:-1} ../$(PY) manage.py seed_demo
	@echo
	@echo "Chat page:     http://$(HOST):$(PORT)/  (sign in as alice or bob, password demo-pass-2024)"
	@echo "Messaging API: http://$(HOST):$(PORT)/api/  (docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo
	cd messaging_app && DJANGO_DEBUG=$${DJANGO_DEBUG:-1} ../$(PY) manage.py runserver $(HOST):$(PORT)

# The production topology on this machine (messaging_app/deploy/local.py):
# nginx with a self-signed certificate on https://localhost:8443/, one uvicorn
# worker per core, PostgreSQL, Redis, the periodic jobs.  DEPLOY_* variables
# change ports, database and folder (.deploy/).
deploy-up: setup
	@$(PY) messaging_app/deploy/local.py up

deploy-down:
	@$(PY) messaging_app/deploy/local.py down

# Every module's bench/bench_*.py, run from inside the module folder.
bench: setup
	@status=0; for dir in $(MODULES); do \
	    for script in $$dir/bench/bench_*.py; do \
	        [ -f "$$script" ] || continue; \
	        echo "== $$script"; \
	        (cd $$dir && ../$(PY) bench/$${script##*/}) || status=1; \
	    done; \
	done; exit $$status

# ruff reads pyproject.toml (the plain modules) and messaging_app/ruff.toml;
# pycodestyle runs with its defaults, as the curriculum's checkers do.
lint: setup
	$(VENV)/bin/ruff check $(MODULES)
	$(VENV)/bin/pycodestyle $(PLAIN_MODULES)

clean:
	rm -rf $(VENV) .ci/logs
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . \( -name '*.sqlite3' -o -name '*.sqlite3-*' -o -name '*.db' -o -name '.coverage' \) -not -path './.git/*' -delete
	rm -rf */bench/data */bench/results htmlcov
