"""Web Push through a real push service on loopback: a browser's keys made as a browser makes
them, the subscription through the API, notify() and the deliver job, and what arrives
decrypted (RFC 8291) and its VAPID signature checked (RFC 8292)."""

import base64
import json
import os
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from accounts.tests.factories import UserFactory
from notifications import push
from notifications.delivery import deliver
from notifications.kinds import Kind
from notifications.models import Notification, PushSubscription
from notifications.services import notify, preferences_set
from zattar.testing import api_for, free_port

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "/api/v1/users/me/push-subscriptions"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service on a loopback port: keeps every request, answers `status[path]` (201)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                service.received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(service.status.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """What PushManager.subscribe() makes: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self) -> dict:  # PushSubscription.toJSON()
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def read(self, request: dict) -> dict:
        assert request["headers"]["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            request["body"], private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.stop()


@pytest.fixture
def vapid(settings):
    private, public = push.key_pair()
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_SUBJECT = "mailto:support@zattar.kz"
    settings.PUSH_ALLOW_PRIVATE_ENDPOINTS = True  # the push service of the tests is on loopback
    return public


def subscribed(user, service: PushService, path: str = "/push/1") -> Browser:
    browser = Browser(service.url(path))
    answer = api_for(user).post(SUBSCRIPTIONS, browser.subscription(), format="json")
    assert answer.status_code == 201, answer.content
    return browser


def tell(user, key="deal:1:ship-reminder"):
    return notify(
        user=user,
        kind=Kind.DEALS,
        event="tests/hello",
        key=key,
        context={"name": "Aru"},
        url="/deals/1/",
    )


def person(**fields):
    user = UserFactory(language="en", **fields)
    # These tests watch push: no e-mail of any kind.
    preferences_set(user=user, changes={kind.value: {"email": False} for kind in Kind})
    return user


def check_vapid(authorization: str, public_key: str, audience: str) -> dict:
    """The RFC 8292 header: `vapid t=<JWT signed ES256>, k=<public key>`; returns the claims."""
    found = re.fullmatch(r"vapid t=([\w.-]+),\s*k=([\w-]+)", authorization)
    assert found, authorization
    token, key = found.groups()
    assert key == public_key
    header, claims, signature = token.split(".")
    raw = unb64url(signature)
    verifier = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    verifier.verify(
        encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
        f"{header}.{claims}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    assert json.loads(unb64url(header))["alg"] == "ES256"
    claims = json.loads(unb64url(claims))
    assert claims["aud"] == audience
    assert claims["exp"] > time.time()
    return claims


def test_a_notification_arrives_encrypted_for_the_browser_and_signed(
    vapid, push_service, run_jobs, settings
):
    user = person()
    browser = subscribed(user, push_service)
    tell(user)
    assert run_jobs() == ["notifications.deliver"]

    (request,) = push_service.received
    assert request["path"] == "/push/1"
    assert int(request["headers"]["ttl"]) == settings.PUSH_TTL_SECONDS
    assert browser.read(request) == {
        "title": "Hello, Aru",
        "body": "Safe Deal #1.",
        "url": settings.SITE_URL + "/en/deals/1/",
        "tag": "deal:1:ship-reminder",
    }
    claims = check_vapid(
        request["headers"]["authorization"], vapid, f"http://127.0.0.1:{push_service.port}"
    )
    assert claims["sub"] == "mailto:support@zattar.kz"
    assert Notification.objects.get(user=user).pushed_at is not None
    assert PushSubscription.objects.get(user=user).last_used_at is not None
    # The job again: the notification is marked pushed, nothing goes out.
    deliver(notification_id=Notification.objects.get(user=user).pk)
    assert len(push_service.received) == 1


def test_a_forged_signature_would_be_caught(vapid, push_service, run_jobs):
    """check_vapid can fail: another key's signature does not verify against ours."""
    user = person()
    subscribed(user, push_service)
    tell(user)
    run_jobs()
    (request,) = push_service.received
    _private, other = push.key_pair()
    header = request["headers"]["authorization"]
    with pytest.raises((AssertionError, InvalidSignature)):
        check_vapid(header.rsplit("k=", 1)[0] + "k=" + other, other, "http://x")


@pytest.mark.parametrize("answer", [404, 410])
def test_a_subscription_the_push_service_forgot_is_deleted(vapid, push_service, run_jobs, answer):
    user = person()
    subscribed(user, push_service, "/gone")
    kept = subscribed(user, push_service, "/alive")
    push_service.status["/gone"] = answer
    tell(user)
    assert run_jobs() == ["notifications.deliver"]  # the job succeeds
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]
    assert sorted(r["path"] for r in push_service.received) == ["/alive", "/gone"]
    assert Notification.objects.get(user=user).pushed_at is not None


def test_a_failing_push_service_keeps_the_subscription_and_the_job_is_retried(
    vapid, push_service, run_jobs
):
    user = person()
    subscribed(user, push_service, "/busy")
    healthy = subscribed(user, push_service, "/fine")
    push_service.status["/busy"] = 500
    tell(user)
    with pytest.raises(push.PushFailed):
        run_jobs()
    assert PushSubscription.objects.filter(user=user).count() == 2
    assert Notification.objects.get(user=user).pushed_at is None
    # The retry: the busy one is back; the browser that had it already is not told twice.
    push_service.status["/busy"] = 201
    assert run_jobs() == ["notifications.deliver"]
    paths = [r["path"] for r in push_service.received]
    assert paths.count("/fine") == 1 and paths.count("/busy") == 2
    assert healthy.read(push_service.received[paths.index("/fine")])["title"] == "Hello, Aru"
    assert Notification.objects.get(user=user).pushed_at is not None


def test_a_push_service_that_does_not_answer_fails_the_job_in_time(vapid, settings, run_jobs):
    """A silent service (accepts the connection, never answers) costs PUSH_TIMEOUT_SECONDS."""
    settings.PUSH_TIMEOUT_SECONDS = 0.5
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        user = person()
        browser = Browser(f"http://127.0.0.1:{silent.getsockname()[1]}/push/1")
        assert (
            api_for(user).post(SUBSCRIPTIONS, browser.subscription(), format="json").status_code
            == 201
        )
        tell(user)
        started = time.monotonic()
        with pytest.raises(push.PushFailed):
            run_jobs()
        assert time.monotonic() - started < 5
    finally:
        silent.close()
    assert PushSubscription.objects.filter(user=user).exists()


def test_opting_out_of_push_for_a_kind_sends_nothing(vapid, push_service, run_jobs):
    user = person()
    subscribed(user, push_service)
    preferences_set(user=user, changes={"deals": {"push": False}})
    tell(user)
    run_jobs()
    assert push_service.received == []
    tell_messages = notify(
        user=user, kind=Kind.MESSAGES, event="tests/hello", key="m:1", context={"name": "Aru"}
    )
    assert tell_messages is not None
    run_jobs()
    assert len(push_service.received) == 1  # only that kind is off


def test_without_vapid_keys_push_is_off(settings, push_service, run_jobs):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    settings.PUSH_ALLOW_PRIVATE_ENDPOINTS = True
    user = person()
    subscribed(user, push_service)
    tell(user)
    assert run_jobs() == ["notifications.deliver"]
    assert push_service.received == []
    assert api_for(user).get("/api/v1/push/key").json() == {"enabled": False, "public_key": ""}
    client = Client()
    client.force_login(user)
    with translation.override("en"):
        page = client.get("/notifications/settings/", headers={"accept-language": "en"})
    html = page.content.decode()
    assert "js-push" not in html and "push.js" not in html


def test_the_settings_page_turns_push_on_with_the_session_and_csrf(vapid):
    """What push.js does: the page gives the key, the API's address and the CSRF token; the
    POST with the session cookie and that token subscribes; without the token it is refused."""
    user = person()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/notifications/settings/").content.decode()
    assert f'data-key="{vapid}"' in page
    assert 'src="/static/js/push.js"' in page or "js/push." in page
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    api = re.search(r'data-api="([^"]+)"', page).group(1)
    assert api == SUBSCRIPTIONS
    body = json.dumps(Browser("http://127.0.0.1:9/push/csrf").subscription())
    refused = client.post(api, body, content_type="application/json")
    assert refused.status_code == 403
    done = client.post(api, body, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert done.status_code == 201
    assert PushSubscription.objects.get().user == user
    assert client.get("/api/v1/push/key").json() == {"enabled": True, "public_key": vapid}


def test_subscribing_again_is_idempotent_and_moves_the_browser_to_the_new_account(vapid):
    first, second = person(), person()
    browser = Browser("http://127.0.0.1:9/push/shared")
    assert (
        api_for(first).post(SUBSCRIPTIONS, browser.subscription(), format="json").status_code == 201
    )
    assert (
        api_for(first).post(SUBSCRIPTIONS, browser.subscription(), format="json").status_code == 200
    )
    assert PushSubscription.objects.get().user == first
    # Another account signs in in the same browser and subscribes: the browser is theirs now.
    answer = api_for(second).post(SUBSCRIPTIONS, browser.subscription(), format="json")
    assert answer.status_code == 200
    assert answer.json()["endpoint"] == browser.endpoint
    assert PushSubscription.objects.get().user == second


def test_a_person_keeps_the_newest_twenty_browsers(vapid):
    user = person()
    for n in range(push.SUBSCRIPTIONS_PER_USER + 1):
        browser = Browser(f"http://127.0.0.1:9/push/{n}")
        assert (
            api_for(user).post(SUBSCRIPTIONS, browser.subscription(), format="json").status_code
            == 201
        )
    endpoints = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert len(endpoints) == push.SUBSCRIPTIONS_PER_USER
    assert "http://127.0.0.1:9/push/0" not in endpoints


def test_a_person_cannot_delete_anothers_subscription(vapid):
    owner, other = person(), person()
    browser = Browser("http://127.0.0.1:9/push/mine")
    api_for(owner).post(SUBSCRIPTIONS, browser.subscription(), format="json")
    answer = api_for(other).delete(SUBSCRIPTIONS, {"endpoint": browser.endpoint}, format="json")
    assert answer.status_code == 404
    assert PushSubscription.objects.filter(user=owner).exists()
    answer = api_for(owner).delete(SUBSCRIPTIONS, {"endpoint": browser.endpoint}, format="json")
    assert answer.status_code == 204
    assert not PushSubscription.objects.exists()
    assert (
        APIClientAnonymous().delete(SUBSCRIPTIONS, {"endpoint": "x"}, format="json").status_code
        == 401
    )


def APIClientAnonymous():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.kz/push/1",  # not https
        "https://127.0.0.1/push/1",  # loopback
        "https://[::1]/push/1",
        "https://10.1.2.3/push/1",  # private
        "https://169.254.169.254/latest/meta-data",  # the cloud's metadata service
        "https://[::ffff:192.168.0.1]/push/1",
        "https://user:secret@8.8.8.8/push",
        "ftp://8.8.8.8/push",
    ],
)
def test_endpoints_the_server_must_not_post_to_are_refused(vapid, settings, endpoint):
    settings.PUSH_ALLOW_PRIVATE_ENDPOINTS = False
    user = person()
    subscription = {**Browser(endpoint).subscription(), "endpoint": endpoint}
    answer = api_for(user).post(SUBSCRIPTIONS, subscription, format="json")
    assert answer.status_code == 400
    assert "endpoint" in answer.json()
    assert not PushSubscription.objects.exists()


def test_a_public_https_endpoint_is_accepted(vapid, settings):
    settings.PUSH_ALLOW_PRIVATE_ENDPOINTS = False
    user = person()
    browser = Browser("https://8.8.8.8/fcm/send/abc:def")  # an address literal: no DNS in tests
    answer = api_for(user).post(SUBSCRIPTIONS, browser.subscription(), format="json")
    assert answer.status_code == 201, answer.content


def test_an_endpoint_that_became_private_is_not_posted_to_and_is_forgotten(
    vapid, settings, push_service, run_jobs
):
    user = person()
    subscribed(user, push_service)
    settings.PUSH_ALLOW_PRIVATE_ENDPOINTS = False  # now its address is refused
    tell(user)
    run_jobs()
    assert push_service.received == []
    assert not PushSubscription.objects.exists()


GOOD = Browser("http://127.0.0.1:9/push/k").subscription()


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ({"p256dh": b64url(b"\x04" + b"\x01" * 64)}, "p256dh"),  # not a point of the curve
        ({"p256dh": "!!!"}, "p256dh"),
        ({"p256dh": b64url(b"\x04" + os.urandom(20))}, "p256dh"),
        ({"auth": b64url(os.urandom(8))}, "auth"),  # a browser's secret is 16 bytes
        ({"auth": ""}, "auth"),
    ],
)
def test_broken_browser_keys_are_refused(vapid, keys, field):
    user = person()
    body = {**GOOD, "keys": {**GOOD["keys"], **keys}}
    answer = api_for(user).post(SUBSCRIPTIONS, body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["keys"]
    assert not PushSubscription.objects.exists()


def test_the_service_worker_is_served_at_the_root(client):
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    assert "no-cache" in answer["Cache-Control"]
    script = answer.content.decode()
    assert 'addEventListener("push"' in script and 'addEventListener("notificationclick"' in script
    assert "/static/img/icons/icon" in script
    # push.js registers it for the whole site
    from django.contrib.staticfiles import finders

    with open(finders.find("js/push.js")) as source:
        assert 'register("/sw.js", { scope: "/" })' in source.read()


def test_the_manifest_names_the_app_and_its_icons(client):
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["name"] == "Zattar"
    assert manifest["scope"] == "/" and manifest["start_url"] == "/"
    assert manifest["theme_color"] == "#8B5E3C"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    from django.contrib.staticfiles import finders
    from PIL import Image

    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
    home = client.get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in home


def test_vapid_keys_prints_a_pair_the_settings_take(settings, capsys):
    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.VAPID_PRIVATE_KEY = lines["VAPID_PRIVATE_KEY"]
    settings.VAPID_PUBLIC_KEY = ""
    assert push.public_key() == lines["VAPID_PUBLIC_KEY"]  # the private key implies it
    assert len(unb64url(lines["VAPID_PUBLIC_KEY"])) == 65


def test_a_pem_private_key_is_accepted_too(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.VAPID_PRIVATE_KEY = pem
    settings.VAPID_PUBLIC_KEY = ""
    expected = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert push.public_key() == b64url(expected)


def test_a_public_key_that_is_not_the_private_keys_is_not_given_to_browsers(settings):
    private, public = push.key_pair()
    _other_private, other_public = push.key_pair()
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = private, other_public
    assert push.public_key() == public


def test_a_host_the_dns_does_not_find_now_fails_the_job_and_keeps_the_subscription(
    vapid, settings, run_jobs, monkeypatch
):
    user = person()
    browser = Browser("https://push.example.kz/push/1")
    api_for(user).post(SUBSCRIPTIONS, browser.subscription(), format="json")
    settings.PUSH_ALLOW_PRIVATE_ENDPOINTS = False

    def not_found(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    tell(user)
    with pytest.raises(push.PushFailed):
        run_jobs()
    assert PushSubscription.objects.filter(user=user).exists()
