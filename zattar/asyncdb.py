"""PostgreSQL from the event loop, for the few statements that run once per WebSocket event.

Django's ORM is synchronous: each call from a consumer hops to a worker thread, checks its
connection's health with a round trip and has the statement parsed and planned again. For the
chat's message write that was most of the cost of a message. Here a statement runs on the
server's event loop instead, on psycopg async connections to the database Django uses (in
autocommit), as a server-side prepared statement.

A few connections are kept per event loop, and closed with their loop. (psycopg's
own pool runs worker tasks, which `asyncio.Runner` cancels before it closes a loop, as each test
does: its connections then stayed open. A statement at a time needs none of that.)
"""

import asyncio
import types
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from django.db import connections

APPLICATION_NAME = "zattar-async"  # in pg_stat_activity
CONNECTIONS = 4  # per event loop (server process): statements beyond wait for one

_pools: dict[asyncio.AbstractEventLoop, "_Pool"] = {}


class _Pool:
    def __init__(self) -> None:
        self.idle: list[psycopg.AsyncConnection] = []
        self.slots = asyncio.Semaphore(CONNECTIONS)


async def fetchone(sql: str, params: dict[str, Any], *, idempotent: bool = False) -> tuple | None:
    """Run one statement (prepared on first use on each connection) and return its first row.
    Errors are psycopg's (`psycopg.IntegrityError` and the rest).

    A connection kept from earlier may have died meanwhile (PostgreSQL restarted): an
    `idempotent` statement that fails on one runs once more, on a new connection."""
    for fresh in (False, True):
        async with _connection(fresh=fresh) as (connection, reused):
            try:
                cursor = await connection.execute(sql, params, prepare=True)
                return await cursor.fetchone()
            except psycopg.OperationalError:
                if not (idempotent and reused and connection.broken):
                    raise
    raise AssertionError("unreachable: a new connection is never reused")


@asynccontextmanager
async def _connection(*, fresh: bool):
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = _Pool()
        _close_with(loop)
    async with pool.slots:
        reused = bool(pool.idle) and not fresh
        connection = pool.idle.pop() if reused else await _connect()
        try:
            yield connection, reused
        finally:
            if connection.broken or connection.closed:
                await connection.close()
            else:
                pool.idle.append(connection)


async def _connect() -> psycopg.AsyncConnection:
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)  # Django's client-side binding: not for prepared
    params.pop("prepare_threshold", None)
    return await psycopg.AsyncConnection.connect(
        **params,
        autocommit=True,
        application_name=APPLICATION_NAME,
        options="-c TimeZone=UTC",  # Django's loaders read timestamps as UTC, as it sets its own
    )


def _close_with(loop: asyncio.AbstractEventLoop) -> None:
    """Close the loop's connections when it closes (each test has its own loop), as
    channels-redis does with its Redis connections."""
    close_loop = loop.close

    def close(self, *args, **kwargs):
        pool = _pools.pop(loop, None)
        for connection in pool.idle if pool else ():
            if not loop.is_closed():
                loop.run_until_complete(connection.close())
        self.close = close_loop
        return close_loop(*args, **kwargs)

    loop.close = types.MethodType(close, loop)
