# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/perfledger run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 3 --dist worksteal

check: $(STAMP)  # the inner loop: rules and folds, no server, no database
	$(BIN)/python -m pytest tests/rules

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)  # on PostgreSQL; `make bench BENCH_ARGS=--sqlite` on the embedded default
	$(BIN)/python -m deploy.bench.ingest $(BENCH_ARGS)
	$(BIN)/python -m deploy.bench.follow $(BENCH_ARGS)
	$(BIN)/python -m deploy.bench.imports $(BENCH_ARGS)
	$(BIN)/python -m deploy.bench.reads $(BENCH_ARGS)
	$(BIN)/python -m deploy.bench.appraisals $(BENCH_ARGS)
	$(BIN)/python -m deploy.bench.lag $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
