"""Routes that only a benchmark run mounts (BENCH_ROUTES=true): the HTTP and chat floors."""

from django.urls import path

from bench.consumers import EchoConsumer
from bench.views import floor

urlpatterns = [path("bench/floor", floor, name="bench-floor")]
websocket_urlpatterns = [path("api/v1/ws/bench-echo/<int:room>/", EchoConsumer.as_asgi())]
