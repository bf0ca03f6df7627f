# Two commands do all the set-up: `make run` serves the demo district, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Migrates the embedded SQLite database, loads the demo district when it is empty,
# and serves http://127.0.0.1:8000 (OpenAPI at /docs) with the clock worker inside.
run: $(STAMP)
	$(BIN)/minyi serve

# Every storage test runs on SQLite and on PostgreSQL (MINYI_TEST_PG_URL, default the local server).
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) var
