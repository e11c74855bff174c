# The two commands: `make run` (set up and run everything with demo centres) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-citus test-scale lint bench messages clean-db browser-deps audit

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

# The Citus lane: Citus built from ../shared/vendor (cached under ~/.cache/junxiu), a coordinator and two workers on
# loopback (var/citus/, ports 9700-9702), and against them tests/citus with the isolation tests of the registry and the
# forms, the reports' hand-computed figures and /readyz (its one query over distributed schemas). Needs root for apt on
# a fresh machine (CI is).
CITUS_TESTS := tests/citus \
	tests/registry/test_personal_data.py::test_a_huangpu_cadre_is_invisible_in_putuo \
	tests/registry/test_choosers.py::test_another_centres_cadres_never_appear \
	tests/forms_engine/test_core.py::test_forms_of_huangpu_are_invisible_in_putuo \
	tests/forms_engine/test_api.py::test_huangpu_forms_and_submissions_are_invisible_from_putuo \
	tests/reports/test_compute.py::test_every_fact_of_the_year_is_the_hand_computed_one \
	tests/reports/test_compute.py::test_a_cadre_made_in_putuo_changes_only_putuos_facts \
	tests/reports/test_refresh.py::test_a_run_counts_every_centre_and_names_the_failed_one \
	tests/deploy/test_health.py
CITUS_PORT ?= 9700
test-citus: install
	deploy/citus/build.sh
	JUNXIU_CITUS_DB=test_junxiu JUNXIU_CITUS_PORT=$(CITUS_PORT) $(BIN)/python deploy/citus/cluster.py start
	DATABASE_URL=postgres://postgres@127.0.0.1:$(CITUS_PORT)/junxiu JUNXIU_DATABASE_CITUS=true \
		$(BIN)/pytest --reuse-db $(CITUS_TESTS) $(PYTEST_ARGS)

# The scale lane: Debian's Redis and PgBouncer (apt when missing; root on a fresh machine, as CI is) on loopback,
# var/scale/, ports 9710 (Redis), 9711 (PgBouncer, session pooling) and 9712 (transaction pooling), in front of the
# lane's own embedded PostgreSQL (var/pgtest-scale); against them tests/scale: django-q2 on Redis with real qclusters
# SIGKILLed mid-task, the cache on Redis, PgBouncer's pooling modes; and the page cache's own tests, on Redis. The
# servers (and the lane's PostgreSQL) are stopped when the tests end.
SCALE_TESTS := tests/scale tests/content/test_page_cache.py
SCALE_PGDATA ?= $(CURDIR)/var/pgtest-scale
test-scale: install
	@export JUNXIU_PGDATA=$(SCALE_PGDATA); \
	variables="$$($(BIN)/python deploy/scale/services.py start)" || exit 1; \
	set -a; eval "$$variables"; set +a; \
	$(BIN)/pytest --reuse-db $(SCALE_TESTS) $(PYTEST_ARGS); status=$$?; \
	$(BIN)/python deploy/scale/services.py stop; exit $$status

# Known vulnerabilities in requirements.lock (pip-audit); offline it says "audit skipped" and exits 0.
audit: install
	$(BIN)/python .ci/audit.py $(AUDIT_ARGS)

bench: install
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Needs GNU gettext (msgfmt); the compiled catalogue is committed.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=build --ignore=tests --ignore=bench --no-location
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean-db:
	rm -rf var/pgdata var/pgtest
