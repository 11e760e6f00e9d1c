# The habits, one word each. Every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-postgres system lint fmt contract bench clean install dev lock audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs take the pinned, hashed versions of the lock files; the project itself goes on top.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: install  ## the service, seeded, on SQLite at http://127.0.0.1:8000
	$(BIN)/ceksilang serve --seed --host $(HOST) --port $(PORT)

# PostgreSQL's server, Chromium and wrk from Debian's packages, installed when missing (as root).
system:
	.ci/debian-packages

test: lint system  ## lint, then the whole suite (unit, API, gunicorn end to end, load, faults, fuzzing)
	$(BIN)/pytest -q

# The same suite against a private PostgreSQL from Debian's packages (apt-get install postgresql).
test-postgres: dev system
	$(BIN)/python -m tests.with_postgres $(BIN)/pytest -q

lint: dev
	$(BIN)/ruff check . .ci
	$(BIN)/ruff format --check . .ci
	$(BIN)/hadolint Dockerfile

fmt: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

contract: dev  ## regenerate schemas/openapi.json from the schemas
	$(BIN)/python -m service.contract > schemas/openapi.json

bench: dev  ## POST /claims latency and recall at 10k and 100k stored claims; a 200 KB article
	$(BIN)/python bench/post_claims.py --sizes 10000,100000
	$(BIN)/python bench/extract.py --kb 200

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

LOCK := $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
        --no-emit-index-url --no-emit-find-links
lock: | $(BIN)/python  ## re-pin every dependency after a change to pyproject.toml
	$(BIN)/pip install --quiet pip-tools
	$(LOCK) --extra postgres -o requirements.lock pyproject.toml
	$(LOCK) --extra postgres --extra dev -o requirements-dev.lock pyproject.toml

audit: dev  ## known vulnerabilities in the pinned dependencies
	$(BIN)/python .ci/audit.py
