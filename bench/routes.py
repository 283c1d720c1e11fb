"""Routes that only a benchmark run mounts (BENCH_ROUTES=true): the HTTP and chat floors."""

from django.urls import path

from bench.consumers import EchoConsumer
from bench.views import floor, floor_page

urlpatterns = [
    path("bench/floor", floor, name="bench-floor"),
    path("bench/floor-page", floor_page, name="bench-floor-page"),
]
websocket_urlpatterns = [path("api/v1/ws/bench-echo/<int:room>/", EchoConsumer.as_asgi())]
