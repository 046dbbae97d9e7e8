# Heron's two entry points. Each creates .venv and installs what it needs by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install

# setup.py compiles Heron's optional C row builder into the source tree.
$(STAMP): pyproject.toml setup.py heron/db/query/_rowbuild.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	cd examples/demo && ../../$(BIN)/heron migrate && ../../$(BIN)/heron run --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check heron tests examples benchmarks
	$(BIN)/ruff format --check heron tests examples benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q
