# The two commands: `make run` serves the site, `make test` runs the suite on PostgreSQL + Redis.
SHELL := /bin/bash
.DEFAULT_GOAL := run

export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
PO := $(wildcard locale/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zattar
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint format install messages clean

# uv itself, when the machine has none: a private copy installed from PyPI by any Python 3.
.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$$(cat .python-version)"
	@touch $@

install: .venv/.synced $(MO)

%.mo: %.po
	msgfmt --check-format -o $@ $<

run: install
	$(PY) manage.py migrate --noinput
	@if [ "$$($(PY) -c 'from django.conf import settings as s; import django; django.setup(); print(int(s.DEBUG))' 2>/dev/null)" = "0" ]; then \
		$(PY) manage.py collectstatic --noinput -v0; fi
	$(PY) manage.py seed_demo
	@echo "Zattar is on http://$(HOST):$(PORT)/ (HTTP and WebSocket). Ctrl+C stops it."
	@# The Safe Deal timeout job runs beside the server and stops with it.
	$(PY) manage.py process_deal_timeouts --loop & timeouts=$$!; \
	trap 'kill $$timeouts 2>/dev/null' EXIT INT TERM; \
	.venv/bin/daphne -b $(HOST) -p $(PORT) zattar.asgi:application

test: install
	DATABASE_URL="$${TEST_DATABASE_URL:-$(TEST_DATABASE_URL)}" \
	REDIS_URL="$${TEST_REDIS_URL:-$(TEST_REDIS_URL)}" \
	CHANNEL_LAYER_PREFIX=zattar-test CACHE_KEY_PREFIX=zattar-test \
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks run as production does: DEBUG off, hashed static files, PostgreSQL and Redis.
BENCH_ENV = DEBUG=false SECRET_KEY=$${SECRET_KEY:-bench-only-secret-key-not-for-production-0123456789} \
	EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend DB_CONN_MAX_AGE=60 \
	DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zattar_bench}" \
	REDIS_URL="$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/2}"

bench: install
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'zattar_bench'" \
		| grep -q 1 || createdb -h 127.0.0.1 -U postgres zattar_bench
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(PY) -m bench $(BENCH_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l ru -l kk -l en --no-obsolete -i .venv -i .tools -i staticfiles

clean:
	rm -rf .venv .tools staticfiles $(MO)
