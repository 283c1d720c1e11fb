"""Project-wide response headers that Django has no setting for."""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
