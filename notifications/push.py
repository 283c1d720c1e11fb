"""Web Push, the second channel: the browsers a person subscribed (PushSubscription), and a
notification sent to each of them, encrypted for the browser (RFC 8291, aes128gcm) and signed
with the site's VAPID key (RFC 8292) by pywebpush.

Push is on when VAPID_PRIVATE_KEY is set (`manage.py vapid_keys` makes a pair). The server
POSTs to whatever endpoint a browser hands it, so an endpoint must be https on a public address
(PUSH_ALLOW_PRIVATE_ENDPOINTS lifts that for tests), checked when the browser subscribes and
again before each send (a name may resolve elsewhere later); redirects are not followed."""

import base64
import functools
import ipaddress
import json
import logging
import socket
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from notifications.models import PushSubscription

logger = logging.getLogger(__name__)

GONE = (404, 410)  # the push service forgot the subscription: the browser no longer listens
SUBSCRIPTIONS_PER_USER = 20  # browsers per person: the oldest goes when a 21st subscribes
SENT_MARK_SECONDS = 3 * 24 * 3600  # longer than the deliver job's retries last


class PushFailed(Exception):
    """A push service refused or did not answer; the deliver job retries."""


class EndpointRefused(ValueError):
    """An endpoint the server must not POST to (its message says why, translated)."""


class EndpointUnresolved(EndpointRefused):
    """The endpoint's host is not found in the DNS (now: it may be a passing failure)."""


# --- Keys ---------------------------------------------------------------------------------------


def enabled() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY)


def _vapid() -> Vapid:
    return _vapid_from(settings.VAPID_PRIVATE_KEY)


def _vapid_from(key: str) -> Vapid:
    key = key.strip()
    try:
        if key.startswith("-----BEGIN"):
            return Vapid.from_pem(key.encode())
        return Vapid.from_string(private_key=key)
    except Exception as exc:
        raise ImproperlyConfigured(
            "VAPID_PRIVATE_KEY is not a P-256 private key (raw base64url, base64 DER or PEM): "
            "make one with `manage.py vapid_keys`."
        ) from exc


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key_of(vapid: Vapid) -> str:
    """The uncompressed public point, base64url: the browser's applicationServerKey."""
    return _b64url(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def public_key() -> str:
    """The public key of VAPID_PRIVATE_KEY (VAPID_PUBLIC_KEY should say the same; when it does
    not, browsers get the right one and the log says so); "" when push is off."""
    if not enabled():
        return ""
    return _public_key(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)


@functools.lru_cache(maxsize=4)
def _public_key(private: str, configured: str) -> str:
    derived = public_key_of(_vapid_from(private))
    if configured and configured != derived:
        logger.error("push.vapid_public_key_mismatch: VAPID_PUBLIC_KEY is not VAPID_PRIVATE_KEY's")
    return derived


def key_pair() -> tuple[str, str]:
    """A new (private, public) pair in the form the settings take: base64url, raw."""
    vapid = Vapid()
    vapid.generate_keys()
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return _b64url(raw), public_key_of(vapid)


# --- Endpoints ----------------------------------------------------------------------------------


def endpoint_check(endpoint: str) -> None:
    """Raise EndpointRefused unless the server may POST to `endpoint`: https, a host, and every
    address of the host public (unless PUSH_ALLOW_PRIVATE_ENDPOINTS)."""
    allow_private = settings.PUSH_ALLOW_PRIVATE_ENDPOINTS
    try:
        parts = urlsplit(endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EndpointRefused(_("This is not a push service address.")) from None
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise EndpointRefused(_("A push service address must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise EndpointRefused(_("This is not a push service address."))
    if allow_private:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise EndpointUnresolved(_("This push service cannot be found.")) from None
    for *_rest, address in found:
        ip = ipaddress.ip_address(address[0].split("%")[0])
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise EndpointRefused(_("This push service address is not public."))


# --- Subscriptions ------------------------------------------------------------------------------


@transaction.atomic
def push_subscribe(
    *, user, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Keep this browser's subscription for `user` (validated by the caller). One row per
    endpoint: the same browser subscribing again updates its keys, and a browser signed in to
    another account moves to it (the last person signed in there gets the pushes).
    A person keeps the newest SUBSCRIPTIONS_PER_USER browsers (each push goes to every one).
    Returns (subscription, created)."""
    subscription, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    if created:
        keep = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
        PushSubscription.objects.filter(user=user).exclude(
            pk__in=keep.values("pk")[:SUBSCRIPTIONS_PER_USER]
        ).delete()
    return subscription, created


def push_unsubscribe(*, user, endpoint: str) -> bool:
    """Forget this browser for `user`; another person's subscription is not touched.
    Returns whether there was one."""
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


# --- Sending ------------------------------------------------------------------------------------


class _Session(requests.Session):
    """No redirects: a push service answers, it does not send the server elsewhere."""

    def post(self, url, data=None, json=None, **kwargs):
        kwargs["allow_redirects"] = False
        return super().post(url, data=data, json=json, **kwargs)


def _sent_mark(user_id: int, tag: str, subscription_id: int) -> str:
    return f"push:sent:{user_id}:{subscription_id}:{tag}"


def _was_sent(mark: str) -> bool:
    try:
        return bool(cache.get(mark))
    except Exception:  # the mark is a courtesy: without the cache, send again
        logger.warning("push.sent_mark_unreadable", exc_info=True)
        return False


def _mark_sent(mark: str) -> None:
    try:
        cache.set(mark, 1, SENT_MARK_SECONDS)
    except Exception:
        logger.warning("push.sent_mark_unwritable", exc_info=True)


def send_to_user(*, user, payload: dict) -> bool:
    """Send `payload` ({title, body, url, tag}, as JSON) to every browser `user` subscribed.
    A subscription the push service no longer knows (404, 410) or whose endpoint is refused
    now is deleted. Any other failure raises PushFailed after the other browsers had their
    turn, so the deliver job retries; a browser that already got this payload (same tag) is
    skipped then, thanks to a mark in the cache (lost with the cache: then it gets it twice).
    Returns True (push off, nobody subscribed, or sent)."""
    if not enabled():
        return True
    subscriptions = list(PushSubscription.objects.filter(user=user).order_by("pk"))
    if not subscriptions:
        return True
    vapid = _vapid()
    data = json.dumps(payload, ensure_ascii=False)
    tag = str(payload.get("tag") or "")
    failures = []
    with _Session() as session:
        for subscription in subscriptions:
            mark = _sent_mark(user.pk, tag, subscription.pk)
            if tag and _was_sent(mark):
                continue
            try:
                endpoint_check(subscription.endpoint)
            except EndpointUnresolved:
                failures.append(f"{subscription.pk}: not found in the DNS")
                continue
            except EndpointRefused:
                logger.warning("push.endpoint_refused", extra={"subscription": subscription.pk})
                subscription.delete()
                continue
            try:
                webpush(
                    subscription_info={
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=data,
                    vapid_private_key=vapid,
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    content_encoding="aes128gcm",
                    ttl=settings.PUSH_TTL_SECONDS,
                    timeout=settings.PUSH_TIMEOUT_SECONDS,
                    requests_session=session,
                )
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in GONE:
                    subscription.delete()
                    continue
                failures.append(f"{subscription.pk}: {status or exc}")
                continue
            except requests.RequestException as exc:  # refused, timed out, reset
                failures.append(f"{subscription.pk}: {type(exc).__name__}")
                continue
            PushSubscription.objects.filter(pk=subscription.pk).update(last_used_at=timezone.now())
            if tag:
                _mark_sent(mark)
    if failures:
        raise PushFailed("push not accepted: " + "; ".join(failures))
    return True
