"""WebSocket authentication and the project's socket routes.

Browsers authenticate with their session cookie; API clients pass a JWT access token as
`?token=`. A token, when present, wins; an invalid one leaves the socket anonymous, and each
consumer decides what an anonymous socket may do.
"""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from chat.routing import websocket_urlpatterns  # noqa: F401  (re-exported for asgi.py)


@database_sync_to_async
def user_for_token(raw_token: str):
    """The token's user, checked as the API checks it: an active user, and a token issued
    under the current password (a password change revokes it)."""
    try:
        return JWTAuthentication().get_user(AccessToken(raw_token))
    except (TokenError, AuthenticationFailed):
        return AnonymousUser()


class JWTAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        tokens = parse_qs(scope.get("query_string", b"").decode()).get("token")
        if tokens:
            scope = dict(scope, user=await user_for_token(tokens[0]))
        return await self.inner(scope, receive, send)


def JWTOrSessionAuthMiddlewareStack(inner):
    return AuthMiddlewareStack(JWTAuthMiddleware(inner))


class OriginOrTokenValidator:
    """Browsers send an Origin, which must be one of ALLOWED_HOSTS (a foreign page must not ride
    on the session cookie). API clients often send none; they may connect only with a token."""

    def __init__(self, inner):
        self.inner = inner
        self.checked = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope, receive, send):
        has_origin = any(name == b"origin" for name, _ in scope.get("headers", []))
        has_token = bool(parse_qs(scope.get("query_string", b"").decode()).get("token"))
        if not has_origin and has_token:
            return await self.inner(scope, receive, send)
        return await self.checked(scope, receive, send)
