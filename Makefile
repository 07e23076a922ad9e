# fundatlas: `make demo` and `make test` set everything up from scratch in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint typecheck unit golden bench bench-ingest bench-query bench-export bench-web score clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## demo: ingest the bundled real pages into a fresh ./fundatlas.db, print the report, serve the dashboard
DEMO_DB ?= fundatlas.db
demo: setup
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/fundatlas ingest --db sqlite:///$(DEMO_DB) --rows 0 src/fundatlas/demo/pages
	$(BIN)/fundatlas report --db sqlite:///$(DEMO_DB)
	@echo "Dashboard and API on http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(BIN)/fundatlas serve --db sqlite:///$(DEMO_DB) --host 127.0.0.1 --port 8000

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

## bench-ingest: end-to-end ingest of synthetic pages into SQLite (pages/s, peak memory)
bench-ingest: setup
	$(BIN)/python benchmarks/ingest_bench.py

## bench-query: search latency and the project endpoint under load at 100,000 synthetic projects
bench-query: setup
	$(BIN)/python benchmarks/query_bench.py

## bench-export: every export format on the demo store
bench-export: setup
	$(BIN)/python benchmarks/export_bench.py

## bench-web: the dashboard's first load in Chromium (time and bytes)
bench-web: setup
	$(BIN)/python benchmarks/web_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
