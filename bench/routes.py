"""Routes that only a benchmark run mounts (BENCH_ROUTES=true): the HTTP and chat floors."""

from django.conf import settings
from django.urls import path, re_path
from django.views.static import serve

from bench.consumers import EchoConsumer
from bench.views import floor, floor_page


def media(request, path, document_root):
    """Ad photos as a media server (S3, a CDN) would send them: files never change, cached."""
    response = serve(request, path, document_root=document_root)
    response["Cache-Control"] = "public, max-age=2592000, immutable"
    return response


urlpatterns = [
    path("bench/floor", floor, name="bench-floor"),
    path("bench/floor-page", floor_page, name="bench-floor-page"),
    # Ad photos for the Lighthouse run with DEBUG off (production: nginx or S3 serves them).
    re_path(
        rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
        media,
        {"document_root": settings.MEDIA_ROOT},
    ),
]
websocket_urlpatterns = [path("api/v1/ws/bench-echo/<int:room>/", EchoConsumer.as_asgi())]
