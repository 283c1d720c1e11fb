"""Project-wide response headers that Django has no setting for."""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PermissionsPolicy:
    """`Permissions-Policy: <settings.PERMISSIONS_POLICY>` on every response (sync and async)."""

    sync_capable = async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self._acall(request)
        return self._add(self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        return self._add(await self.get_response(request))

    def _add(self, response: HttpResponse) -> HttpResponse:
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class DatabaseBusy:
    """A request that waited DB_POOL_TIMEOUT for a database connection and got none (every
    connection of this process's pool busy) is answered 503 with Retry-After: JSON under /api/,
    a static page elsewhere (rendering the site's pages would need the database again). Nothing
    was written: the request never had a connection."""

    sync_capable, async_capable = True, False
    RETRY_AFTER = 5

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from django.db import OperationalError
        from psycopg_pool import PoolTimeout

        if not (isinstance(exception, OperationalError) and _caused_by(exception, PoolTimeout)):
            return None
        if request.path.startswith("/api/"):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            response = JsonResponse(
                {
                    "detail": _("The server is busy; try again in a few seconds."),
                    "code": "server_busy",
                    "retry_after": self.RETRY_AFTER,
                },
                status=503,
            )
        else:
            from django.template.loader import render_to_string

            response = HttpResponse(render_to_string("errors/503.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER)
        return response


def _caused_by(error: BaseException, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


class Locale(LocaleMiddleware):
    """Django's LocaleMiddleware, with the language of a page taken from its URL only.

    People's pages are in `i18n_patterns` (zattar/urls.py): `/kk/...` is Kazakh, `/en/...`
    English and an unprefixed page Russian, whatever the cookie or Accept-Language say (Django
    does this by itself with prefix_default_language=False). The machines' addresses have no
    language in the URL: the API and the admin keep answering in the language of the cookie
    (the switcher sets it) or Accept-Language, as they did before the prefixes.
    """

    NEGOTIATED = ("/api/", "/admin/", "/i18n/")

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(self.NEGOTIATED):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path_info.startswith(self.NEGOTIATED):
            return super().process_response(request, response)
        # A page's language comes from its URL alone: no "Vary: Accept-Language" that would
        # split shared caches by browser language for nothing.
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
