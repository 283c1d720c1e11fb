"""Helpers for tests and benchmarks: an API client signed in as someone, and a real server
process for what needs a second one (cross-process chat, browser tests, the chat benchmark)."""

import os
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient


def api_for(user) -> APIClient:
    """An API client signed in as `user`."""
    api = APIClient()
    api.force_authenticate(user)
    return api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daphne_process(port: int, log=subprocess.PIPE, **env: str) -> subprocess.Popen:
    """daphne serving this project on 127.0.0.1:`port`, on the database and Redis this process
    uses (a test database included), once it accepts connections. Its log goes to `log` (a
    file, for a long run: nobody empties a pipe)."""
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "zattar.asgi:application",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    output = process.stderr.read().decode()[-2000:] if process.stderr else "(see its log)"
    raise RuntimeError(f"daphne did not start: {output}")
