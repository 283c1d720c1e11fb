"""The ASGI entry point: HTTP goes to Django, WebSocket to the Channels routes of each app."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zattar.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from zattar.websocket import JWTOrSessionAuthMiddlewareStack, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            JWTOrSessionAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
