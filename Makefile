# Two commands do all the set-up: `make run` serves the demo district, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install system clean

# Debian packages the Python ones cannot bring: Chromium for the browser tests (Playwright drives
# /usr/bin/chromium; nothing is downloaded at run time), CJK fonts for the PDF daily report and
# poppler-utils (pdftotext, pdftoppm) with which the tests read that PDF back.
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils
# Another apt (unattended-upgrades on a fresh machine) may hold the lock: wait for it up to ten
# minutes instead of failing.
APT_WAIT := -o DPkg::Lock::Timeout=600

system:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || ! command -v pdftotext >/dev/null; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get $(APT_WAIT) install -y -q $(SYSTEM_PACKAGES) >/dev/null 2>&1 \
	    || { $$SUDO apt-get $(APT_WAIT) update -q >/dev/null && $$SUDO apt-get $(APT_WAIT) install -y -q $(SYSTEM_PACKAGES) >/dev/null; }; \
	fi

$(STAMP): pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: system $(STAMP)

# Migrates the embedded SQLite database (~/.local/share/minyi/minyi.db, or MINYI_DATA_DIR), loads
# the demo district with four weeks of history into an empty one (MINYI_DEMO=empty: without),
# and serves http://127.0.0.1:8000 (OpenAPI at /docs) with the clock worker beside it.
run: system $(STAMP)
	$(BIN)/minyi serve

# Every storage test runs on SQLite and on PostgreSQL (MINYI_TEST_PG_URL, default the local server).
# Temporary files, the SQLite test databases among them, go to tmpfs where there is one: a commit
# there waits for no disk flush.
test: system $(STAMP)
	$(BIN)/lint-imports
	TMPDIR=$$([ -w /dev/shm ] && echo /dev/shm || echo "$${TMPDIR:-/tmp}") $(BIN)/python -m pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) var
