"""Errors reach Sentry only when SENTRY_DSN is set: a local HTTP server stands in for Sentry."""

import gzip
import json
import os
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from zattar.testing import run_python

SCRIPT = """
import django, sentry_sdk
django.setup()
from django.test import Client
client = Client(raise_request_exception=False, HTTP_COOKIE="sessionid=secret-session-cookie")
for path in ("/test/boom", "/api/v1/test/boom"):
    response = client.get(path, REMOTE_ADDR="203.0.113.5")
    print(path, response.status_code, response["X-Request-ID"])
print("active", sentry_sdk.get_client().is_active())
sentry_sdk.flush(timeout=5)
"""


class FakeSentry(ThreadingHTTPServer):
    """Takes what the SDK posts (envelopes, maybe compressed) and keeps the bodies."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            self.server.bodies.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args) -> None:
            pass


@pytest.fixture
def fake_sentry():
    server = FakeSentry()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_site(**env) -> dict[str, tuple[int, str]]:
    result = run_python(
        SCRIPT,
        unset=[key for key in os.environ if key.startswith("SENTRY_")],
        DJANGO_SETTINGS_MODULE="zattar.tests.boom_settings",
        ALLOWED_HOSTS="testserver",
        **env,
    )
    assert result.returncode == 0, result.stderr
    answers = {}
    for line in result.stdout.splitlines():
        key, *values = line.split()
        answers[key] = values
    return answers


def events_in(bodies: list[bytes]) -> list[dict]:
    events = []
    for body in bodies:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_without_a_dsn_sentry_is_off_in_the_test_run():
    assert not os.environ.get("SENTRY_DSN")
    assert not sentry_sdk.get_client().is_active()


def test_without_a_dsn_an_error_goes_nowhere(fake_sentry):
    answers = run_site()
    assert answers["/test/boom"][0] == "500"
    assert answers["active"] == ["False"]
    assert fake_sentry.bodies == []


def test_with_a_dsn_an_error_in_a_view_is_reported_with_its_request_id(fake_sentry):
    port = fake_sentry.server_address[1]
    answers = run_site(
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="zattar@1.2.3",
    )
    assert answers["active"] == ["True"]
    events = events_in(fake_sentry.bodies)
    assert len(events) == 2, fake_sentry.bodies
    for event, path in zip(events, ("/test/boom", "/api/v1/test/boom"), strict=True):
        [exception] = event["exception"]["values"]
        assert exception["type"] == "Boom" and exception["value"] == "a view failed on purpose"
        assert event.get("transaction") == path, {k: event[k] for k in event if k != "exception"}
        assert event["tags"]["request_id"] == answers[path][1]  # the X-Request-ID header
        assert event["environment"] == "staging" and event["release"] == "zattar@1.2.3"
    everything = b"".join(fake_sentry.bodies)
    assert b"secret-session-cookie" not in everything  # no personal data
    assert b"203.0.113.5" not in everything
