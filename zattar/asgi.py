"""The ASGI entry point: HTTP goes to Django, WebSocket to the Channels routes of each app."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zattar.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from zattar import http_server  # noqa: E402
from zattar.websocket import (  # noqa: E402
    JWTOrSessionAuthMiddlewareStack,
    OriginOrTokenValidator,
    websocket_urlpatterns,
)

if settings.BENCH_ROUTES:  # the benchmarks' echo floor, beside the real chat
    from bench.routes import websocket_urlpatterns as bench_routes

    websocket_urlpatterns = [*websocket_urlpatterns, *bench_routes]

http_server.leave_form_bodies_to_django()  # one parse of form bodies, by Django (see there)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginOrTokenValidator(
            JWTOrSessionAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
