# fundatlas: `make demo` and `make test` set everything up from scratch in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint typecheck unit golden bench score clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## demo: parse the bundled real pages and print a readable table
demo: setup
	$(BIN)/fundatlas parse --format table src/fundatlas/demo/pages

## test: lint, type-check and run the whole test suite
test: setup lint typecheck unit

lint: setup
	$(BIN)/ruff check src tests benchmarks

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest

## golden: regenerate tests/data/golden/*.json from the parser (review the diff!)
golden: setup
	$(BIN)/python tests/make_golden.py

## score: grade the parser on the development set in ../shared/corpus
score: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" ../shared/tools/score-parse

## bench: parse throughput (text and HTML) against trafilatura
bench: setup
	$(BIN)/python benchmarks/parse_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
