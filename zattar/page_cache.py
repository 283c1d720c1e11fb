"""Whole pages kept for anonymous visitors: a search, a landing page or an ad page is the same
for every visitor who is not signed in, so it is rendered once and served from the shared cache
(Redis) to the next ones, until any ad changes (`listings.selectors.lists_changed()`) or
`settings.PAGE_CACHE_SECONDS` pass (0: none kept).

What differs per response stays per response: the page is rendered with marks in place of the
CSRF token and the CSP nonce (the `placeholders` context processor), random for each render and
kept with what they were rendered in, so nobody can put them in an ad's text or a URL for the
page to fill; every response gets its own token and nonce in their place. A visitor with a
session, a flash message waiting or a signed-in user is never served, nor the source of, a kept
page. A cache that fails is left alone for `OUTAGE_SECONDS`: pages are rendered meanwhile."""

import contextlib
import functools
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

VERSION = 1  # of what is kept (`Kept`, `Page`): a deploy that changes them starts afresh
OUTAGE_SECONDS = 5
# Request headers a view answers differently to (htmx: a fragment instead of the page).
VARY_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_HISTORY_RESTORE_REQUEST")


@dataclass
class Page:
    status: int
    headers: list[tuple[str, str]]
    content: bytes
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Marks:
    csrf: str
    nonce: str


@dataclass
class Kept:
    generation: int  # the lists' generation when it was made: another means it is stale
    value: object
    marks: tuple[Marks, ...]  # those it may hold


def _new_marks() -> Marks:
    token = secrets.token_hex(12)
    return Marks(csrf=f"zattar-csrf-{token}", nonce=f"zattar-nonce-{token}")


def _current(request: HttpRequest) -> Marks | None:
    return getattr(request, "_page_cache_marks", None)


def _used(request: HttpRequest) -> list[Marks]:
    if not hasattr(request, "_page_cache_used"):
        request._page_cache_used = []
    return request._page_cache_used


def placeholders(request: HttpRequest) -> dict:
    """Context processor: the marks, while a page is rendered to be kept."""
    if (current := _current(request)) is not None:
        return {"csrf_token": current.csrf, "csp_nonce": current.nonce}
    return {}


_cache_away_until = 0.0


def forget_outage() -> None:
    global _cache_away_until
    _cache_away_until = 0.0


def _cache_away(error: Exception | None = None) -> bool:
    """Whether the cache failed in the last OUTAGE_SECONDS (noting `error` as a failure now)."""
    global _cache_away_until
    now = time.monotonic()
    if error is not None:
        logger.warning("page cache unavailable for %ss: %r", OUTAGE_SECONDS, error)
        _cache_away_until = now + OUTAGE_SECONDS
    return now < _cache_away_until


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.user.is_authenticated
    )


def _key(request: HttpRequest, kind: str, *parts: str) -> str:
    """What the kept thing differs by: this URL as asked for (host, language, path and query:
    the links back to it in the page), and whatever the caller adds."""
    parts = [
        request.scheme,
        request.get_host(),
        get_language() or "",
        request.get_full_path(),
        *parts,
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{kind}:v{VERSION}:{digest}"


def _read(request: HttpRequest, key: str) -> tuple[int, object | None]:
    """The lists' generation and what is kept under `key` if it is as new, in one round trip
    (its marks are then this response's to fill); generation -1 when the cache is away (then
    nothing is kept either)."""
    from listings.selectors import LISTS_GENERATION_KEY

    if _cache_away():
        return -1, None
    try:
        found = cache.get_many([LISTS_GENERATION_KEY, key])
    except (RedisError, OSError) as error:  # everything is rendered for a while
        _cache_away(error)
        return -1, None
    except Exception:
        logger.exception("kept %s unreadable", key)
        return -1, None
    generation = found.get(LISTS_GENERATION_KEY, 0)
    kept = found.get(key)
    if not isinstance(kept, Kept) or kept.generation != generation:
        return generation, None
    _used(request).extend(kept.marks)
    return generation, kept.value


def _keep(request: HttpRequest, key: str, generation: int, value: object) -> None:
    """Keep `value` once it is asked for a second time within the lifetime: a flood of URLs
    each asked for once (random words) costs the cache a mark each, not a page each."""
    if generation < 0 or _cache_away():
        return
    ttl = settings.PAGE_CACHE_SECONDS
    try:
        if not cache.add(f"{key}:asked", 1, ttl):
            cache.set(key, Kept(generation, value, tuple(_used(request))), ttl)
    except (RedisError, OSError) as error:
        _cache_away(error)


@contextlib.contextmanager
def marks(request: HttpRequest):
    """Render with marks in place of the CSRF token and the CSP nonce (what is rendered
    meanwhile can be kept for other visitors); nested, the outer render's marks."""
    if _current(request) is not None:
        yield
        return
    request._page_cache_marks = _new_marks()
    _used(request).append(request._page_cache_marks)
    try:
        yield
    finally:
        request._page_cache_marks = None


def fill_marks(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """For a view that put kept fragments in its page: this response's own token and nonce
    (left to `anonymous_page` when it keeps the whole page, marks and all)."""
    if _current(request) is not None:
        return response
    return _personalised(request, response)


def fragment(
    request: HttpRequest,
    name: str,
    make: Callable[[], object],
    *vary: str,
    keep_if: Callable[[object], bool] | None = None,
):
    """What `make()` returns (None is not kept), kept for every visitor of this URL alike
    (made under `marks`):
    a part of a page that is the same for everyone, around the parts that are not.
    `vary` names what else it differs by (a kind of viewer); `keep_if(value)`, when given,
    says whether what was made may be kept (it is this viewer's own otherwise)."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        with marks(request):
            return make()
    key = _key(request, f"fragment-{name}", *vary)
    generation, value = _read(request, key)
    if value is None:
        with marks(request):
            value = make()
        if value is not None and (keep_if is None or keep_if(value)):
            _keep(request, key, generation, value)
    return value


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    messages = getattr(request, "_messages", None)
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(messages, "added_new", False)
        and not getattr(session, "modified", False)
    )


def _personalised(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """This response's own CSRF token and CSP nonce where the page has the marks it was made
    with (the CSRF cookie and the CSP header follow, as for a page rendered now)."""
    content = response.content
    for used in dict.fromkeys(_used(request)):
        if (csrf := used.csrf.encode()) in content:
            content = content.replace(csrf, get_token(request).encode())
        if (nonce := used.nonce.encode()) in content:
            content = content.replace(nonce, str(request._csp_nonce).encode())
    response.content = content
    return response


def anonymous_page(view: Callable | None = None, *, on_hit: Callable | None = None):
    """Keep `view`'s pages for anonymous visitors. A view that must do something for every
    visitor even when its page is kept (count a view) sets `response.page_cache_meta` and
    passes `on_hit(request, meta)`, which is called for each kept page served."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            key = _key(request, "page", *(request.META.get(h, "") for h in VARY_HEADERS))
            generation, page = _read(request, key)
            if page is not None:
                if on_hit is not None:
                    on_hit(request, page.meta)
                response = HttpResponse(page.content, status=page.status)
                for name, value in page.headers:
                    response[name] = value
                return _personalised(request, response)
            with marks(request):
                response = view(request, *args, **kwargs)
            if _keepable(request, response):
                page = Page(
                    status=response.status_code,
                    headers=list(response.headers.items()),
                    content=response.content,
                    meta=getattr(response, "page_cache_meta", {}),
                )
                _keep(request, key, generation, page)
            if response.streaming:
                return response
            return _personalised(request, response)

        return wrapper

    return decorator(view) if view is not None else decorator
