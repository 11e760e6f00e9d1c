# The habits, one word each. Every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint fmt contract bench clean install dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: install  ## the service, seeded, on SQLite at http://127.0.0.1:8000
	$(BIN)/ceksilang serve --seed --host $(HOST) --port $(PORT)

test: dev  ## lint, then the whole suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
