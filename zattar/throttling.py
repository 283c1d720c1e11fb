"""Rate limits on what abusers repeat: register, log in, refresh tokens, reset passwords, post
ads, upload photos, start conversations, send messages over HTTP.

One mechanism for pages and the API. `settings.RATE_LIMITS` maps an action to its limits per
client address and per user, e.g. `{"ad_create": {"user": "20/h", "ip": "40/h"}}`. A limit
`N/period` allows N requests in each fixed window of the period (`s`, `m`, `h`, `d`, optionally
with a multiple: `30/15m`); `off` switches it off. The counters live in Django's cache, Redis in
production, so every process and server shares them; a window's counter expires with it.

Over a limit the API answers `429 {"detail", "code": "throttled", "retry_after"}` and pages
answer errors/429.html, both with a `Retry-After` header.
"""

import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, wraps

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from redis.exceptions import RedisError
from rest_framework.request import Request

from zattar.errors import DomainError

log = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


@cache
def parse_rate(text: str) -> Rate | None:
    """`"10/h"` is ten an hour, `"30/15m"` thirty per quarter hour; `"off"` (or empty) is None."""
    text = text.strip().lower()
    if text in ("", "off"):
        return None
    count, _slash, period = text.partition("/")
    multiple, unit = period[:-1] or "1", period[-1:]
    if not (count.isdigit() and multiple.isdigit() and unit in UNITS):
        raise ImproperlyConfigured(
            f"A rate limit is 'count/period' such as '10/h' or '30/15m', or 'off': not {text!r}."
        )
    if int(count) < 1 or int(multiple) < 1:
        raise ImproperlyConfigured(f"A rate limit allows at least one request: not {text!r}.")
    return Rate(limit=int(count), seconds=int(multiple) * UNITS[unit])


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost of them saw, which is that many entries from the right of X-Forwarded-For (entries
    further left are whatever the client chose to send). django-axes uses this one too."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= hops:
            address = _valid_ip(forwarded[-hops])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


UNKNOWN_ADDRESS = "0.0.0.0"  # no usable client address: all such requests share one count


def client_network(request: HttpRequest) -> str:
    """The address a limit or the login lock counts: the client's IPv4 address (an IPv4-mapped
    IPv6 one included), or the first address of its IPv6 /64 (one subscriber's network, where
    a client can take a fresh address for every request). Without a usable address (a proxy
    misconfigured, a Unix socket) one shared value: the limits stay on. django-axes keys the
    login lock by this."""
    address = client_ip(request)
    if address is None:
        log.warning("no client address in REMOTE_ADDR/X-Forwarded-For: counted as unknown")
        return UNKNOWN_ADDRESS
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return address


def _subject(request: HttpRequest | Request, who: str) -> str | None:
    if who == "ip":
        return client_network(request)
    if who == "user":
        user = getattr(request, "user", None)
        return str(user.pk) if user is not None and user.is_authenticated else None
    raise ImproperlyConfigured(f"A rate limit counts per 'ip' or per 'user', not per {who!r}.")


class Throttled(DomainError):
    status_code = 429
    code = "throttled"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(wait_message(retry_after), retry_after=retry_after)

    @property
    def retry_after(self) -> int:
        return self.extra["retry_after"]


def wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many requests in a short time. Try again in %(count)d second.",
            "Too many requests in a short time. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return ngettext(
            "Too many requests in a short time. Try again in %(count)d minute.",
            "Too many requests in a short time. Try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext(
        "Too many requests in a short time. Try again in %(count)d hour.",
        "Too many requests in a short time. Try again in %(count)d hours.",
        hours,
    ) % {"count": hours}


@dataclass(frozen=True)
class _Counter:
    key: str
    rate: Rate
    seconds_left: int


def _counters(request: HttpRequest | Request, action: str) -> Iterator[_Counter]:
    try:
        limits = settings.RATE_LIMITS[action]
    except KeyError:
        raise ImproperlyConfigured(f"RATE_LIMITS has no entry for {action!r}.") from None
    now = time.time()
    for who, text in limits.items():
        rate = parse_rate(text)
        subject = _subject(request, who)
        if rate is None or subject is None:
            continue
        window = int(now // rate.seconds)
        yield _Counter(
            key=f"ratelimit:{action}:{who}:{subject}:{rate.seconds}:{window}",
            rate=rate,
            seconds_left=max(math.ceil((window + 1) * rate.seconds - now), 1),
        )


def _increment(counter: _Counter) -> int:
    """Add one to a window's counter, creating it to expire with the window; 0 if the cache is
    unreachable (the limits then let everything through rather than fail every request)."""
    try:
        shared_cache.add(counter.key, 0, timeout=counter.seconds_left + 1)
        try:
            return shared_cache.incr(counter.key)
        except ValueError:  # expired between add and incr: a new window has begun
            shared_cache.add(counter.key, 1, timeout=counter.seconds_left + 1)
            return 1
    except (RedisError, OSError):
        log.warning("Rate limit counter %s not counted: the cache is unreachable", counter.key)
        return 0


def _current(counter: _Counter) -> int:
    try:
        return shared_cache.get(counter.key) or 0
    except (RedisError, OSError):
        log.warning("Rate limit counter %s not read: the cache is unreachable", counter.key)
        return 0


def hit(request: HttpRequest | Request, action: str) -> None:
    """Count one request against every limit of `action`; Throttled if that passes one.

    Refused requests count too: in a fixed window that only brings nobody closer to its end."""
    waits = [c.seconds_left for c in _counters(request, action) if _increment(c) > c.rate.limit]
    if waits:
        raise Throttled(retry_after=max(waits))


def check(request: HttpRequest | Request, action: str) -> None:
    """Throttled if a limit of `action` is used up already; counts nothing (see `record`)."""
    waits = [c.seconds_left for c in _counters(request, action) if _current(c) >= c.rate.limit]
    if waits:
        raise Throttled(retry_after=max(waits))


def record(request: HttpRequest | Request, action: str) -> None:
    """Count one event against `action` without refusing anything now, e.g. a failed login,
    which `check` refuses at the next attempt once there were too many."""
    for counter in _counters(request, action):
        _increment(counter)


def throttled_response(request: HttpRequest, error: Throttled) -> HttpResponse:
    """The answer to a refused page request, or JSON to a plain Django view under /api/ and to
    a script that asked for JSON."""
    if request.path.startswith("/api/") or request.headers.get("Accept") == "application/json":
        response = JsonResponse(error.as_dict(), status=error.status_code)
    else:
        response = render(
            request, "errors/429.html", {"message": error.detail}, status=error.status_code
        )
    response["Retry-After"] = str(error.retry_after)
    return response


def rate_limit(action: str, *, only_if: Callable[[HttpRequest], bool] | None = None):
    """Count every unsafe request (POST, PUT, PATCH, DELETE) to the decorated view against the
    limits of `action`, and refuse it over one. Decorates a view function (place it under
    login_required for per-user limits) or an APIView method (DRF has authenticated the user
    by then; the refusal goes through the API's exception handler). `only_if(request)` narrows
    what counts, e.g. only requests that carry files."""
    if action not in settings.RATE_LIMITS:
        raise ImproperlyConfigured(f"RATE_LIMITS has no entry for {action!r}.")

    def decorator(view):
        @wraps(view)
        def limited(*args, **kwargs):
            request = args[0] if isinstance(args[0], HttpRequest | Request) else args[1]
            if request.method not in SAFE_METHODS and (only_if is None or only_if(request)):
                try:
                    hit(request, action)
                except Throttled as error:
                    if isinstance(request, Request):
                        raise
                    return throttled_response(request, error)
            return view(*args, **kwargs)

        return limited

    return decorator
