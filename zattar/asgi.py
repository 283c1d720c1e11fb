"""The ASGI entry point: HTTP goes to Django, WebSocket to the Channels routes of each app."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zattar.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from zattar import http_server  # noqa: E402
from zattar.websocket import (  # noqa: E402
    JWTOrSessionAuthMiddlewareStack,
    OriginOrTokenValidator,
    websocket_urlpatterns,
)

http_server.leave_form_bodies_to_django()  # one parse of form bodies, by Django (see there)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginOrTokenValidator(
            JWTOrSessionAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
