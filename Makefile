# Every target creates .venv and installs the project into it when needed,
# so the first command on a fresh machine does all the set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo up test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ascn demo

up: $(STAMP)
	$(BIN)/ascn up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy .

test: lint typecheck
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.append_throughput
	$(BIN)/python -m benchmarks.ledger_append

clean:
	rm -rf $(VENV) .ascn .mypy_cache .ruff_cache .pytest_cache
