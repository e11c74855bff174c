# The two commands: `make run` (set up and run everything with demo centres) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test lint bench messages clean-db browser-deps audit

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "需要 Python 3.11 或更高版本 / Python >= 3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python deploy/dev_run.py

# lint-imports holds the arrows of ARCHITECTURE.md (.importlinter); mypy (mypy.ini) loads the settings through the
# django-stubs plugin, given a DATABASE_URL that is never connected to, so that no database is started.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=junxiu.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	DATABASE_URL=postgres://lint@127.0.0.1:1/lint $(BIN)/mypy

# The browser tests drive Debian's Chromium (with CJK fonts) through Playwright; the in-page evaluator runs in Node.
# The bureau's PDFs (WeasyPrint) need Pango and the same CJK fonts.
# Installed with apt when missing and we are root (CI is); otherwise those tests skip, saying why (and fail in CI).
BROWSER_DEPS := chromium fonts-noto-cjk nodejs libpango-1.0-0 libpangoft2-1.0-0
browser-deps:
	@missing=""; for pkg in $(BROWSER_DEPS); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "Missing for the browser tests:$$missing (as root: make browser-deps); they will be skipped."; \
	fi

test: lint browser-deps
	$(BIN)/pytest $(if $(CI),--create-db,--reuse-db) $(PYTEST_ARGS)

# Known vulnerabilities in requirements.lock (pip-audit); offline it says "audit skipped" and exits 0.
audit: install
	$(BIN)/python .ci/audit.py $(AUDIT_ARGS)

bench: install
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Needs GNU gettext (msgfmt); the compiled catalogue is committed.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-location
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean-db:
	rm -rf var/pgdata var/pgtest
