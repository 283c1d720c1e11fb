"""gunicorn's settings for the split layout (zattar.start): threaded workers (gthread) under WSGI,
the fastest way this machine served Django's pages (figures: README, "Serving"). The worker and
thread counts come from the start (WEB_CONCURRENCY, WEB_THREADS)."""

from gunicorn.http import wsgi

# nginx in front buffers slow clients, so a thread is busy only while Django works.
timeout = 30  # a request longer than this is killed, and its worker replaced
graceful_timeout = 20  # on SIGTERM, requests in flight get this long to finish
keepalive = 5
# Recycle workers now and then, jittered so that they do not all restart at once.
max_requests = 5000
max_requests_jitter = 500
# Structured request logs come from Django itself; gunicorn reports only its own events.
accesslog = None
errorlog = "-"
loglevel = "warning"
# Workers load the application after the fork: a worker's connections (database pool,
# Redis) are its own.
preload_app = False


class _Response(wsgi.Response):
    """No `Server` header (daphne runs with --no-server-name): the software and version are
    not advertised to scanners."""

    def default_headers(self) -> list[str]:
        return [line for line in super().default_headers() if not line.startswith("Server:")]


wsgi.Response = _Response


def child_exit(server, worker) -> None:
    """A worker ended: with PROMETHEUS_MULTIPROC_DIR (zattar.metrics) its live gauges no longer
    count. Runs in the arbiter, which has no Django: prometheus_client only."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
