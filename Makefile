# The two commands of the README: `make site` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
STORE ?= var/portal.sqlite

.PHONY: site test lint demo-data clean help

help:
	@echo "make site   - sync the bundled demo data into $(STORE) and print the summary"
	@echo "make test   - lint, check the demo export, run the whole test suite"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/portal sync --source demo/xzufi/nacht-1 --store $(STORE)
	@echo
	@echo "The demo data is in $(STORE). Next night's delta: $(BIN)/portal sync --source demo/xzufi/nacht-2 --store $(STORE)"

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tools.demo_export --check
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo-data: $(STAMP)
	$(BIN)/python -m tools.demo_export

clean:
	rm -rf $(VENV) var output .pytest_cache .ruff_cache
