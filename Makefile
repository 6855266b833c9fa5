# Làng Số — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12: pyenv's shim (it reads .python-version), else any python3.12 on PATH.
PYTHON ?= $(shell (pyenv which python3.12 2>/dev/null || command -v python3.12) | head -1)
export LANGSO_DEBUG ?= 1
export LOG_FORMAT ?= plain

.PHONY: install run test test-sqlite test-postgres bench lint typecheck messages clean chromium

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Cần Python 3.12 (python3.12) / Python 3.12 is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

# Web server + background worker (+ an embedded MQTT broker when none answers) on SQLite.
# Demo accounts have no authenticator app, so the demo skips the staff TOTP step.
run: export STAFF_REQUIRE_2FA ?= 0
run: install
	mkdir -p var
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	$(PY) manage.py run_all

# The whole suite; with DATABASE_URL=postgres://... it runs on PostgreSQL.
test: install chromium
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

# The browser test drives Debian's Chromium, never one Playwright downloads. Installed here
# when missing and run as root; otherwise (or offline) the command is printed and that test
# is skipped with the same message.
CHROMIUM_HINT := Chromium is missing, so the browser test will be skipped. Install it with: sudo apt-get install -y chromium
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser test (apt-get install -y chromium)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium >/dev/null 2>&1 \
	      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
	      || echo "$(CHROMIUM_HINT)"; \
	  else echo "$(CHROMIUM_HINT)"; fi; }

bench: install
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check langso bench
	$(PY) manage.py makemigrations --check --dry-run -v1

typecheck: install
	$(VENV)/bin/mypy --no-incremental langso

# Rebuild the English catalogue after changing user-facing text (needs gettext's msgfmt).
messages: install
	cd langso && ../$(PY) ../manage.py makemessages -l en --no-obsolete -i "*/tests/*" -i "migrations/*"
	cd langso && ../$(PY) ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) var
