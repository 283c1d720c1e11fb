"""The request log, the request id and the job log, through the HTTP client."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from zattar.logs import job_logged
from zattar.testing import api_for, run_python


def request_lines(caplog) -> list[dict]:
    return [
        record.msg
        for record in caplog.records
        if record.name == "zattar.request" and isinstance(record.msg, dict)
    ]


def test_every_response_carries_a_fresh_request_id(client):
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    assert all(len(rid) == 32 and int(rid, 16) >= 0 for rid in ids)


@pytest.mark.parametrize("trusted", [False, True])
def test_an_incoming_request_id_is_kept_only_from_a_trusted_proxy(client, settings, trusted):
    settings.TRUST_REQUEST_ID_HEADER = trusted
    response = client.get("/healthz", headers={"X-Request-ID": "0123456789abcdef0123456789abcdef"})
    assert (response["X-Request-ID"] == "0123456789abcdef0123456789abcdef") is trusted


@pytest.mark.parametrize(
    "forged", ["short", "x" * 200, "abc def ghi jkl", 'abc"}\n{"status":200', "ид-запроса-123"]
)
def test_an_incoming_request_id_that_is_no_id_is_replaced(client, settings, forged):
    settings.TRUST_REQUEST_ID_HEADER = True
    response = client.get("/healthz", headers={"X-Request-ID": forged})
    assert response["X-Request-ID"] != forged and len(response["X-Request-ID"]) == 32


def test_the_request_id_is_trusted_by_default_only_behind_a_proxy():
    code = "import zattar.settings as s; print(s.TRUST_REQUEST_ID_HEADER)"
    for proxies, expected in (("0", "False"), ("1", "True")):
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "TRUSTED_PROXY_COUNT": proxies},
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr


@pytest.mark.django_db
def test_one_line_per_request_with_who_what_status_time_and_queries(caplog):
    user = UserFactory()
    caplog.set_level("INFO", logger="zattar.request")
    response = api_for(user, address="203.0.113.5").get("/api/v1/users/me/favorites")
    assert response.status_code == 200
    [line] = request_lines(caplog)
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == user.pk
    assert line["method"] == "GET" and line["path"] == "/api/v1/users/me/favorites"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["db_queries"] >= 1
    assert line["ip"] == "203.0.113.5"


@pytest.mark.django_db
def test_the_query_count_is_the_number_of_statements(client, caplog, settings):
    settings.PAGE_CACHE_SECONDS = 0  # rendered each time, not kept for the next visitor
    client.get("/search/")  # the reference data is cached in the process from now on
    caplog.clear()
    caplog.set_level("INFO", logger="zattar.request")
    with CaptureQueriesContext(connection) as captured:
        client.get("/search/")  # the search itself queries (home is cached: none)
    [line] = request_lines(caplog)
    assert line["db_queries"] == len(captured.captured_queries) > 0


@pytest.mark.django_db(transaction=True)
async def test_the_query_count_includes_a_sync_view_under_asgi(caplog, settings):
    settings.PAGE_CACHE_SECONDS = 0  # rendered each time, not kept for the next visitor
    caplog.set_level("INFO", logger="zattar.request")
    client = AsyncClient()
    await client.get("/search/")
    caplog.clear()
    response = await client.get("/search/")
    assert response.status_code == 200
    [line] = request_lines(caplog)
    assert line["db_queries"] > 0
    assert line["request_id"] == response["X-Request-ID"]


def test_probes_are_logged_at_debug_only(client, caplog):
    caplog.set_level("DEBUG", logger="zattar.request")
    client.get("/healthz")
    [record] = [r for r in caplog.records if r.name == "zattar.request"]
    assert record.levelname == "DEBUG"


def test_a_signed_out_visitor_has_no_user_id(client, caplog):
    caplog.set_level("DEBUG", logger="zattar.request")
    client.get("/healthz")
    assert request_lines(caplog)[0]["user_id"] is None


@pytest.mark.django_db
def test_an_api_500_answers_json_with_the_request_id_of_its_log_lines(client, settings, caplog):
    settings.ROOT_URLCONF = "zattar.tests.urls"
    client.raise_request_exception = False
    caplog.set_level("INFO")
    response = client.get("/api/v1/test/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error"
    assert body["request_id"] == response["X-Request-ID"]
    # Django's error line (with the traceback) and the request line carry the same id
    [error] = [r for r in caplog.records if r.name == "django.request"]
    assert error.exc_info and error.exc_info[0].__name__ == "Boom"
    [line] = request_lines(caplog)
    assert line["status"] == 500 and line["request_id"] == body["request_id"]


def test_a_job_run_is_one_line_with_its_outcome(caplog, db):
    caplog.set_level("INFO", logger="zattar.jobs")
    with job_logged("deals.notify", 42, attempt=1) as log:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        log["sent"] = 2
    [line] = [r.msg for r in caplog.records if r.name == "zattar.jobs"]
    assert line["event"] == "job" and line["status"] == "succeeded"
    assert line["task"] == "deals.notify" and line["job_id"] == 42
    assert line["attempt"] == 1 and line["sent"] == 2 and line["db_queries"] == 1
    assert line["duration_ms"] >= 0


def test_a_failed_job_is_logged_failed_and_raises_on(caplog):
    caplog.set_level("INFO", logger="zattar.jobs")
    with pytest.raises(ZeroDivisionError), job_logged("deals.settle", 7):
        1 / 0  # noqa: B018
    [record] = [r for r in caplog.records if r.name == "zattar.jobs"]
    assert record.levelname == "ERROR" and record.msg["status"] == "failed"
    assert record.msg["exc_info"] is True  # rendered as the line's "exception" (see below)


SCRIPT = """
import logging, django
django.setup()
from django.test import Client
from zattar.logs import job_logged
client = Client(raise_request_exception=False)
client.get("/api/v1/test/boom")
client.get("/healthz")
with job_logged("demo.task", 5):
    logging.getLogger("demo").info("inside the job")
try:
    with job_logged("demo.failing", 6):
        1 / 0
except ZeroDivisionError:
    pass
"""


def _run_logged(**env) -> subprocess.CompletedProcess:
    return run_python(
        SCRIPT,
        DJANGO_SETTINGS_MODULE="zattar.tests.boom_settings",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="DEBUG",
        **env,
    )


def test_with_log_format_json_every_line_is_one_json_object():
    result = _run_logged(LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    requests = [line for line in lines if line["event"] == "request"]
    assert [(r["path"], r["status"]) for r in requests] == [
        ("/api/v1/test/boom", 500),
        ("/healthz", 200),
    ]
    for field in ("request_id", "user_id", "method", "duration_ms", "db_queries", "timestamp"):
        assert field in requests[0]
    [error] = [line for line in lines if line["logger"] == "django.request"]
    assert error["request_id"] == requests[0]["request_id"] and error["level"] == "error"
    assert "Boom: a view failed on purpose" in error["exception"]
    [inside] = [line for line in lines if line["logger"] == "demo"]
    assert inside["task"] == "demo.task" and inside["job_id"] == 5
    jobs = [line for line in lines if line["event"] == "job"]
    assert [(job["task"], job["status"]) for job in jobs] == [
        ("demo.task", "succeeded"),
        ("demo.failing", "failed"),
    ]
    assert "ZeroDivisionError" in jobs[1]["exception"] and jobs[1]["level"] == "error"


def test_with_log_format_console_lines_are_for_people():
    result = _run_logged(LOG_FORMAT="console")
    assert result.returncode == 0, result.stderr
    request = next(line for line in result.stderr.splitlines() if "/healthz" in line)
    assert "request" in request and "status=200" in request and not request.startswith("{")


def test_an_unknown_log_format_is_refused():
    result = run_python("import zattar.settings", LOG_FORMAT="xml")
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr
