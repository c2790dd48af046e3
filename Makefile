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
	$(BIN)/python -m pytest -n 4 --dist worksteal

check: $(STAMP)  # the inner loop: rules and folds, no server, no database
	$(BIN)/python -m pytest tests/rules

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m deploy.bench.ingest
	$(BIN)/python -m deploy.bench.follow
	$(BIN)/python -m deploy.bench.imports
	$(BIN)/python -m deploy.bench.reads
	$(BIN)/python -m deploy.bench.appraisals
	$(BIN)/python -m deploy.bench.lag

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
