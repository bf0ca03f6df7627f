# Two commands do all the set-up: `make run` serves the demo district, `make test` runs every check
# and test (the same as `make check` and scripts/check).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test check lint install system clean

# Debian packages the Python ones cannot bring: Chromium's old headless shell for the browser tests
# (Playwright drives /usr/bin/chromium-headless-shell; nothing is downloaded at run time; it takes
# about a third of the CPU of the full browser's headless mode on the same pages), CJK fonts for
# the PDF daily report and poppler-utils (pdftotext, pdftoppm) with which the tests read that PDF
# back.
SYSTEM_PACKAGES := chromium-headless-shell fonts-noto-cjk poppler-utils
# Another apt (unattended-upgrades on a fresh machine) may hold the lock: wait for it up to ten
# minutes instead of failing.
APT_WAIT := -o DPkg::Lock::Timeout=600

system:
	@if [ ! -x /usr/bin/chromium-headless-shell ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || ! command -v pdftotext >/dev/null; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get $(APT_WAIT) install -y -q $(SYSTEM_PACKAGES) >/dev/null 2>&1 \
	    || { $$SUDO apt-get $(APT_WAIT) update -q >/dev/null && $$SUDO apt-get $(APT_WAIT) install -y -q $(SYSTEM_PACKAGES) >/dev/null; }; \
	fi

# Installs come from the lock files (exact versions, hashes checked); pyproject.toml keeps the
# floors and scripts/lock regenerates the locks from them. `run` needs only the runtime lock;
# `test` and `check` add the test and check tools. pip brings in uv (installer.lock) and uv
# installs the rest, downloading and unpacking in parallel: a dozen seconds where pip took two
# minutes. Bytecode is compiled at install, as pip did: where the environment sets
# PYTHONDONTWRITEBYTECODE (this machine's does) Python never caches it, and every process of a
# test run would compile its imports anew (some four CPU seconds each).
UV_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode
$(STAMP): pyproject.toml requirements/runtime.lock requirements/installer.lock | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/installer.lock
	$(UV_INSTALL) --require-hashes -r requirements/runtime.lock
	$(UV_INSTALL) --no-deps -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) requirements/test.lock
	$(UV_INSTALL) --require-hashes -r requirements/test.lock
	touch $(TEST_STAMP)

install: system $(STAMP)

# Migrates the embedded SQLite database (~/.local/share/minyi/minyi.db, or MINYI_DATA_DIR), loads
# the demo district with four weeks of history into an empty one (MINYI_DEMO=empty: without),
# and serves http://127.0.0.1:8000 (OpenAPI at /docs) with the clock worker beside it.
run: system $(STAMP)
	$(BIN)/minyi serve

# What CI runs (scripts/check): ruff format --check, ruff check, lint-imports, mypy, then every
# test; every storage test runs on SQLite and on PostgreSQL (MINYI_TEST_PG_URL, default local).
test: system $(TEST_STAMP)
	scripts/check

check: test

# The static checks alone, in about a minute.
lint: $(TEST_STAMP)
	scripts/check --static

clean:
	rm -rf $(VENV) var
