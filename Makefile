# xinfang: `make run` serves the product with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export XINFANG_HOME := $(CURDIR)

.PHONY: setup run test test-slow lint bench browser fonts messages screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

messages: $(VENV)/.installed
	cd src/xinfang && DJANGO_SETTINGS_MODULE=xinfang.config.settings ../../$(BIN)/django-admin compilemessages -v 0

setup: $(VENV)/.installed messages
	@mkdir -p var
	$(BIN)/xinfang migrate --noinput -v 0

# Debian's packages the tests use: Chromium for the browser tests, CJK fonts for documents and
# screenshots, LibreOffice (Writer, no GUI) to render the DOCX notices, poppler-utils (pdftoppm,
# pdftotext, pdffonts) to read the PDFs back, gettext for the catalogue checks.
TEST_PACKAGES := chromium fonts-noto-cjk libreoffice-writer-nogui poppler-utils gettext
browser:
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	     (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $$missing >/dev/null)); \
	  else echo "Install Debian's packages for the tests: sudo apt-get install $$missing"; exit 1; fi; \
	fi

# Chinese fonts for the PDF notices (embedded in every PDF); best effort when not root.
fonts:
	@if ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || \
	     (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null)); \
	  else echo "Note: install Debian's fonts-noto-cjk for Chinese PDF notices (sudo apt-get install fonts-noto-cjk)"; fi; \
	fi

# `make run` is the demo (XINFANG_DEMO=1): development keys allowed, demo data on first run, a banner on
# every page. A real installation sets its keys instead (README: Setting up a real installation).
run: export XINFANG_DEMO = 1
run: setup fonts
	$(BIN)/xinfang demo --if-empty
	@echo "xinfang: http://127.0.0.1:$(PORT)/  (demo accounts: demo_clerk, demo_dispatcher, demo_handler, demo_leader, ... password: xinfang-demo-2026)"
	$(BIN)/xinfang worker & trap "kill $$! 2>/dev/null" EXIT; \
	XINFANG_BIND=127.0.0.1:$(PORT) $(BIN)/gunicorn -c src/xinfang/config/gunicorn.conf.py xinfang.config.wsgi

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/pytest
	@if [ -n "$$XINFANG_TEST_POSTGRES_URL" ]; then \
	  echo "== PostgreSQL: $$XINFANG_TEST_POSTGRES_URL"; \
	  XINFANG_DATABASE_URL="$$XINFANG_TEST_POSTGRES_URL" $(BIN)/pytest; \
	fi

# Long tests marked slow (backup and restore, the crash test, API fuzzing): SQLite, then PostgreSQL
# when XINFANG_TEST_POSTGRES_URL is set. `.ci/run` runs them after `make test`.
test-slow: setup
	XINFANG_SLOW_TESTS=1 $(BIN)/pytest -m slow
	@if [ -n "$$XINFANG_TEST_POSTGRES_URL" ]; then \
	  echo "== PostgreSQL (slow): $$XINFANG_TEST_POSTGRES_URL"; \
	  XINFANG_SLOW_TESTS=1 XINFANG_DATABASE_URL="$$XINFANG_TEST_POSTGRES_URL" $(BIN)/pytest -m slow; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# The figures of issue 13 over 1,000,000 stored petitions (search, pages, bulletin, dashboard, repeat
# check; generated once under var/bench/, about 35 minutes the first time on 2 cores), registration
# and notices on the 10,000-petition database (they write: a scratch copy each), the classifier.
# XINFANG_BENCH_POSTGRES_URL adds PostgreSQL. `xinfang bench [--quick]` runs them all at one size.
SCALE_PETITIONS ?= 1000000
bench: setup
	$(BIN)/python -m bench --only search --petitions $(SCALE_PETITIONS)
	$(BIN)/python -m bench --only bulletin --petitions $(SCALE_PETITIONS)
	$(BIN)/python -m bench --only repeats --petitions $(SCALE_PETITIONS)
	$(BIN)/python -m bench --only registration --quick
	$(BIN)/python -m bench --only notices --quick
	$(BIN)/python -m bench --only classifier

screenshots: setup browser
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf var/test_* .pytest_cache
