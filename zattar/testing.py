"""Helpers for tests and benchmarks: an API client signed in as someone, and a real server
process for what needs a second one (cross-process chat, browser tests, the chat benchmark)."""

import copy
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient


def api_for(user, *, address: str = "127.0.0.1") -> APIClient:
    """An API client signed in as `user`, calling from `address`."""
    api = APIClient(REMOTE_ADDR=address)
    api.force_authenticate(user)
    return api


def rate_limits(settings, **overrides: dict[str, str]) -> None:
    """Override some of RATE_LIMITS for one test (the `settings` fixture restores them)."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, **overrides}


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


class RedisServer:
    """A private redis-server on a free loopback port, which a test may stop and start again on
    the same port (in memory only: it comes back empty, as a restarted cache or broker may)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
            finally:
                client.close()
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def pause(self) -> None:
        """Redis hangs: connections stay open, nothing is answered (until `resume`)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def private_redis():
    """A RedisServer, and the channel layer and the cache pointed at it meanwhile."""
    server = RedisServer()
    server.start()
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    for host in layers["default"]["CONFIG"]["hosts"]:
        host["address"] = server.url
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = server.url
    try:
        with override_settings(CHANNEL_LAYERS=layers, CACHES=caches):
            yield server
    finally:
        server.stop()


@contextmanager
def s3_server():
    """An S3 API server (moto's server mode) on a free loopback port: yields its endpoint URL;
    stopped on exit. Any access key is accepted; buckets start empty."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
