# The two commands of the README: `make site` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
STORE ?= var/portal.sqlite
OUTPUT ?= output

.PHONY: site test lint demo-data i18n clean help

help:
	@echo "make site   - sync the bundled demo data, build the portal into $(OUTPUT)/, say how to view it"
	@echo "make test   - lint, check the demo export and the catalogs, run the whole test suite (browser included)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

site: $(STAMP) $(NODE_STAMP)
	rm -f $(STORE) $(STORE)-wal $(STORE)-shm
	$(BIN)/portal sync --source demo/xzufi/nacht-1 --store $(STORE)
	$(BIN)/portal build --store $(STORE) --output $(OUTPUT)
	@echo
	@echo "The demo portal is in $(OUTPUT)/. View it: $(BIN)/portal serve  → http://127.0.0.1:8000/"

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tools.demo_export --check
	$(BIN)/python -m tools.i18n_check
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo-data: $(STAMP)
	$(BIN)/python -m tools.demo_export

i18n: $(STAMP)
	$(BIN)/pybabel extract -F theme/babel.cfg -k ng:1,2 --no-location --sort-output --project=verwaltungsportal \
	  --version=0.1 --copyright-holder="Verwaltungsportal-Projekt" -o theme/translations/messages.pot .
	$(BIN)/pybabel update -i theme/translations/messages.pot -d theme/translations --no-fuzzy-matching
	$(BIN)/pybabel update -i theme/translations/messages.pot -l de -o theme/translations/de_LS/LC_MESSAGES/messages.po --no-fuzzy-matching

clean:
	rm -rf $(VENV) var $(OUTPUT) node_modules theme/static/vendor .pytest_cache .ruff_cache
