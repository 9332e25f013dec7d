# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck services install clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded defaults: a SQLite file and the in-process Redis stand-in.
demo: $(STAMP)
	rm -f var/demo/outreach.db var/demo/outreach.db-wal var/demo/outreach.db-shm
	DATABASE_URL=sqlite+aiosqlite:///var/demo/outreach.db REDIS_URL=embedded LOG_LEVEL=WARNING \
		$(BIN)/outreach demo

services:
	scripts/ensure-services.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict .

test: $(STAMP) services lint typecheck
	$(BIN)/pytest

bench: $(STAMP) services
	$(BIN)/python benchmarks/ledger_import.py
	$(BIN)/python benchmarks/segment_count.py
	$(BIN)/python benchmarks/xlsx_read.py
	$(BIN)/python benchmarks/pension.py
	$(BIN)/python benchmarks/http_floor.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
