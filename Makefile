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

# axe-core (the accessibility browser test) and Lighthouse (make bench), pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: .venv/.synced node_modules/.installed $(MO)

%.mo: %.po
	msgfmt --check-format -o $@ $<

# The one start (zattar/start.py): migrate, static files and translations, demo data in
# development, then the server and the worker. Without DATABASE_URL: the embedded PostgreSQL.
run: install
	$(PY) -m zattar.start --host $(HOST) --port $(PORT)

# Tests run on the machine's PostgreSQL; where none answers (and TEST_DATABASE_URL was not
# given), on the embedded one.
test: install
	@url="$${TEST_DATABASE_URL:-$(TEST_DATABASE_URL)}"; \
	if [ -z "$$TEST_DATABASE_URL" ] && ! $(PY) -c "import psycopg, sys; psycopg.connect(sys.argv[1], dbname='postgres', connect_timeout=3).close()" "$$url" 2>/dev/null; then \
		echo "make test: no PostgreSQL answers at $$url; testing on the embedded PostgreSQL"; url=""; fi; \
	DATABASE_URL="$$url" \
	REDIS_URL="$${TEST_REDIS_URL:-$(TEST_REDIS_URL)}" \
	CHANNEL_LAYER_PREFIX=zattar-test CACHE_KEY_PREFIX=zattar-test \
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks run as production does: DEBUG off, hashed static files, PostgreSQL and Redis.
BENCH_ENV = DEBUG=false SECRET_KEY=$${SECRET_KEY:-bench-only-secret-key-not-for-production-0123456789} \
	EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend EMAIL_ALLOW_UNSENT=true \
	ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false \
	DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zattar_bench}" \
	REDIS_URL="$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/2}"

# The database BENCH_DATABASE_URL names is created by the benchmark when missing. The serving
# benchmark drives its servers with wrk (Debian's package): installed here when apt can.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| echo "make bench: wrk is not installed (apt-get install wrk); the serving benchmark falls back to a slower Python load generator"
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(PY) -m bench $(BENCH_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l ru -l kk -l en --no-obsolete -i .venv -i .tools -i staticfiles -i node_modules

clean:
	rm -rf .venv .tools staticfiles $(MO)
