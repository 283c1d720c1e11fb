"""Prometheus metrics: `/metrics`, for the monitoring server only.

django-prometheus measures requests (by view, method and status), their latency and the
database's queries (zattar.db.postgresql); this module adds the marketplace's own: chat
messages sent, delivered and left undelivered, open sockets, and background jobs by status
(counted in procrastinate's table at each scrape).

Who may read it: a client address in METRICS_ALLOWED_IPS (addresses or networks; the address
zattar.throttling.client_ip finds, so behind nginx the client's, not nginx's), or a request
with `Authorization: Bearer <METRICS_TOKEN>`. Everyone else gets a 404.

Several worker processes (gunicorn) each count their own: with PROMETHEUS_MULTIPROC_DIR set (an
empty directory, before the processes start) they write their values there and any one of them
answers for all. gunicorn's `child_exit` hook should call `process_exited(worker.pid)`.
"""

import hmac
import ipaddress
import logging
import os
from functools import cache

import prometheus_client
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, Counter, Gauge, multiprocess
from prometheus_client.core import GaugeMetricFamily

from zattar.throttling import client_ip

logger = logging.getLogger(__name__)

# --- The marketplace's own ----------------------------------------------------------------------

CHAT_MESSAGES_SENT = Counter(
    "zattar_chat_messages_sent",
    "Chat messages saved, by how they came (socket or http).",
    ["via"],
)
CHAT_MESSAGES_DELIVERED = Counter(
    "zattar_chat_messages_delivered",
    "Chat messages written to an open chat socket (one per socket that got it).",
)
CHAT_MESSAGES_UNDELIVERED = Counter(
    "zattar_chat_messages_undelivered",
    "Chat messages saved but not announced: the live channel (Redis) refused them. The other "
    "side gets them when it reconnects or Redis is back.",
)
CHAT_OPEN_SOCKETS = Gauge(
    "zattar_chat_open_sockets",
    "WebSockets open now, by kind (chat: one conversation; notifications: the unread badge).",
    ["kind"],
    multiprocess_mode="livesum",
)

# procrastinate's job states; the ones with no rows are reported as 0, so that an alert on
# failed jobs has a series to look at before the first failure.
JOB_STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborting", "aborted")
JOBS_TABLE = "procrastinate_jobs"


class JobsCollector:
    """`zattar_jobs{queue, status}`: rows of procrastinate's job table, counted at scrape time
    (procrastinate's `remove_old_jobs` keeps the table short). Without the table (procrastinate
    not installed or not migrated yet) there is no series but `zattar_jobs_table_present 0`."""

    def describe(self):
        return []  # nothing to check at registration: the query runs at scrape time only

    def collect(self):
        present = GaugeMetricFamily(
            "zattar_jobs_table_present", "1 if procrastinate's job table exists."
        )
        jobs = GaugeMetricFamily(
            "zattar_jobs", "Background jobs by queue and status.", labels=["queue", "status"]
        )
        try:
            rows = self._count()
        except DatabaseError:
            logger.exception("metrics: background jobs not counted")
            return
        present.add_metric([], 0 if rows is None else 1)
        yield present
        if rows is None:
            return
        counts = {(queue, status): count for queue, status, count in rows}
        for queue in sorted({queue for queue, _status in counts} or {"default"}):
            for status in JOB_STATUSES:
                jobs.add_metric([queue, status], counts.get((queue, status), 0))
        yield jobs

    @staticmethod
    def _count() -> list[tuple[str, str, int]] | None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [JOBS_TABLE])
            if not cursor.fetchone()[0]:
                return None
            cursor.execute(
                f"SELECT queue_name, status::text, count(*) FROM {JOBS_TABLE} GROUP BY 1, 2"
            )
            return cursor.fetchall()


_jobs_registry = CollectorRegistry(auto_describe=False)
_jobs_registry.register(JobsCollector())


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_exited(pid: int) -> None:
    """For gunicorn's `child_exit(server, worker)` hook: a dead worker's open sockets no longer
    count (its counters stay, as Prometheus expects of counters)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


def render() -> bytes:
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(
        _jobs_registry
    )


# --- Who may read them --------------------------------------------------------------------------


@cache
def _allowed_networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def may_read(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _space, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), token.encode()
        ):
            return True
    address = client_ip(request)
    if address is None:
        return False
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    networks = _allowed_networks(tuple(settings.METRICS_ALLOWED_IPS))
    return any(parsed in network for network in networks)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_read(request):
        return HttpResponseNotFound()
    return HttpResponse(render(), content_type=prometheus_client.CONTENT_TYPE_LATEST)
