"""Suite-wide set-up: the suite runs on PostgreSQL and Redis, as production does, or not at all."""

import os
from urllib.parse import urlsplit

import pytest


# Each async test runs on its own event loop, whose executor threads end with it: a pooled
# connection such a thread borrowed would never be returned, and four tests would drain the
# pool. The suite uses one connection per thread, closed by Django as production does without
# the pool; the pool itself is exercised by the processes the topology test and the benchmarks
# start (the production start, DB_POOL_MAX_SIZE default).
def _without_pool() -> None:
    from django.conf import settings

    settings.DATABASES["default"].get("OPTIONS", {}).pop("pool", None)


_without_pool()


def _unreachable_services() -> list[str]:
    from django.conf import settings

    problems = []
    db = settings.DATABASES["default"]
    # Django's backend, or the same with query metrics (zattar.db.postgresql)
    if db["ENGINE"] not in ("django.db.backends.postgresql", "zattar.db.postgresql"):
        problems.append(
            f"DATABASE_URL must point at PostgreSQL (got {db['ENGINE']}); run `make test`, "
            "or set DATABASE_URL=postgres://postgres@127.0.0.1:5432/zattar"
        )
    else:
        import psycopg

        try:
            psycopg.connect(
                host=db["HOST"] or None,
                port=db["PORT"] or None,
                user=db["USER"] or None,
                password=db["PASSWORD"] or None,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.Error as exc:
            problems.append(f"PostgreSQL at {db['HOST']}:{db['PORT']} is not reachable: {exc}")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set; run `make test`, or set REDIS_URL=redis://...")
    else:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
        try:
            client.ping()
        except redis.RedisError as exc:
            where = urlsplit(settings.REDIS_URL).netloc
            problems.append(f"Redis at {where} is not reachable: {exc}")
        finally:
            client.close()
    return problems


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    problems = _unreachable_services()
    if problems:
        pytest.exit("\n".join(["The test suite needs its services:", *problems]), returncode=3)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Same bcrypt algorithm with fewer rounds, media in a temporary folder, a fresh cache, and
    the default language: a request to /kk/ or /en/ leaves its language active in the thread,
    and reverse() would prefix the next test's URLs with it."""
    from django.core.cache import cache
    from django.utils import translation

    from listings import search, selectors
    from zattar import page_cache

    selectors._reference.clear()
    selectors.shared_clear()
    search._word_estimates.clear()
    search._vocabulary.clear()
    page_cache.forget_outage()
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.QuickBCryptSHA256PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    translation.deactivate()
    yield
    cache.clear()
    translation.deactivate()


# Rows that data migrations load and every test may rely on. A transactional test ends with a
# flush that empties them, so a database test that finds them missing loads them again.
REFERENCE_DATA = [
    ("listings.City", "listings.migrations.0002_load_cities", "load_cities"),
    ("listings.Category", "listings.migrations.0005_load_categories", "load_categories"),
    ("auth.Group", "moderation.migrations.0004_moderators_group", "create_moderators"),
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    if request.node.get_closest_marker("django_db") is None:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        for label, module, function in REFERENCE_DATA:
            if not apps.get_model(label).objects.exists():
                getattr(importlib.import_module(module), function)(apps, None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """`make test` where no PostgreSQL answers runs on the embedded one: stop it if this run
    started it (a server a developer's `make run` started is left alone)."""
    import sys

    devdb = sys.modules.get("zattar.devdb")
    if devdb is not None and devdb.started_here:
        from django.db import connections

        connections.close_all()
        devdb.stop()


# --- Background jobs (procrastinate) --------------------------------------------------------


_jobs_before_the_test = 0


@pytest.fixture(autouse=True)
def _jobs_baseline(request):
    """The last job id before each database test (autouse fixtures run before the test's
    others): run_jobs runs only the jobs deferred after it, not those that transactional tests
    elsewhere committed."""
    global _jobs_before_the_test
    if request.node.get_closest_marker("django_db") is None:
        return
    from django.db import connection

    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM procrastinate_jobs")
        (_jobs_before_the_test,) = cursor.fetchone()


@pytest.fixture
def run_jobs(db):
    """Run the jobs deferred so far, as a worker would, on the test's own connection: the
    rows a test writes are inside its transaction, where no worker process can see them.
    Each job's task runs with the job's arguments and the row is marked succeeded; a task
    that raises leaves it to do. Returns the names of the tasks run. (The worker itself, in a
    process of its own, is exercised by deals/tests/test_jobs.py.) A job scheduled for later
    (`schedule_in`) waits until the clock (time-machine's, in tests that travel) reaches it."""
    import json

    from django.db import connection
    from django.utils import timezone
    from procrastinate.contrib.django import app

    before = _jobs_before_the_test

    def run() -> list[str]:
        done = []
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, task_name, args FROM procrastinate_jobs WHERE status = 'todo' "
                    "AND id > %s AND (scheduled_at IS NULL OR scheduled_at <= %s) "
                    "ORDER BY id LIMIT 1",
                    [before, timezone.now()],
                )
                row = cursor.fetchone()
            if row is None:
                return done
            job_id, name, args = row
            app.tasks[name].func(**(json.loads(args) if isinstance(args, str) else args))
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [job_id]
                )
            done.append(name)

    return run


# Mail through a real SMTP server: aiosmtpd on a loopback port receives what the mail jobs
# send, as production's relay would (EMAIL_URL names it there). `smtp_server.received` holds
# (envelope sender, envelope recipients, parsed message) per message.
class Inbox:
    """aiosmtpd's handler: every message it accepts, with its envelope."""

    def __init__(self) -> None:
        import email

        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from django.test import override_settings

    from zattar.testing import free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        with override_settings(MAILERS=mailers):
            yield inbox
    finally:
        controller.stop()


def truncate_jobs() -> None:
    """Transactional tests end with a flush that leaves procrastinate's tables (Django does not
    manage them): a worker started later must not find another test's jobs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, procrastinate_workers "
            "RESTART IDENTITY CASCADE"
        )


# Media on a real S3 API: one moto server for the session (started on first use), a fresh
# bucket per test.
@pytest.fixture(scope="session")
def s3_endpoint():
    from zattar.testing import s3_server

    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint, settings):
    """The media storage on a new bucket of the session's S3 server (zattar.testing.S3Bucket)."""
    from zattar.testing import S3Bucket

    bucket = S3Bucket(s3_endpoint, settings)
    yield bucket
    bucket.remove()
