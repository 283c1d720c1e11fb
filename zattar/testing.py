"""Helpers for tests and benchmarks: an API client signed in as someone, and a real server
process for what needs a second one (cross-process chat, browser tests, the chat benchmark, an
S3 API for media)."""

import copy
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
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


def database_url(name: str | None = None) -> str:
    """A URL of the database this process uses (the test database in tests), or of another
    database `name` on the same server: for the server processes a test starts."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{name or db['NAME']}"


def run_python(code: str, *, unset=(), **env: str) -> subprocess.CompletedProcess:
    """`python -c code` in the project folder with this process's environment less `unset`
    and plus `env` (a fresh settings import: what a new process would do with them)."""
    inherited = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**inherited, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daphne_process(port: int, log=subprocess.PIPE, **env: str) -> subprocess.Popen:
    """daphne serving this project on 127.0.0.1:`port`, on the database and Redis this process
    uses (a test database included), once it accepts connections. Its log goes to `log` (a
    file, for a long run: nobody empties a pipe)."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
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


def _moto_server_command() -> list[str]:
    script = Path(sys.executable).with_name("moto_server")  # the venv's console script
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "moto.server"]


@contextmanager
def s3_server() -> Iterator[str]:
    """An S3 API (moto's server mode, in memory) on a free loopback port, for as long as the
    block runs: yields its endpoint URL, e.g. "http://127.0.0.1:41234". Any access key and
    secret are accepted; buckets are made by the caller."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*_moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=0.5).close()
                break
            except (urllib.error.URLError, OSError) as error:
                if isinstance(error, urllib.error.HTTPError):  # it answers: good enough
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    exited = process.poll() is not None
                    output = process.stderr.read().decode()[-2000:] if exited else ""
                    raise RuntimeError(
                        f"moto_server did not start on {endpoint}: {output}"
                    ) from None
                time.sleep(0.05)
        process.stderr.close()  # nobody reads its request log: never let the pipe fill
        yield endpoint
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


class S3Bucket:
    """A bucket of its own on an S3 API server (`s3_server`), and the media storage pointed at
    it through the pytest-django `settings` fixture (which restores STORAGES afterwards; Django
    drops its cached storages whenever STORAGES changes, and file fields use the default storage
    lazily)."""

    ACCESS_KEY = SECRET_KEY = "testing"  # moto accepts any
    REGION = "us-east-1"

    def __init__(self, endpoint: str, settings) -> None:
        import uuid

        import boto3

        self.endpoint = endpoint
        self.settings = settings
        self.name = f"media-{uuid.uuid4().hex[:12]}"
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=self.REGION,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
        )
        self.client.create_bucket(Bucket=self.name)
        self.use()

    def use(self, *, endpoint: str | None = None, **options) -> None:
        """Media go to this bucket, at `endpoint` (another address: a server that is down,
        say) with these `zattar.storage.s3_storage` options."""
        from zattar.storage import s3_storage

        self.settings.STORAGES = {
            **self.settings.STORAGES,
            "default": s3_storage(
                bucket_name=self.name,
                endpoint_url=endpoint or self.endpoint,
                region_name=self.REGION,
                access_key=self.ACCESS_KEY,
                secret_key=self.SECRET_KEY,
                **options,
            ),
        }

    def make_public(self) -> None:
        """Anyone may read its objects (what AWS_QUERYSTRING_AUTH=false needs); a new bucket
        is private: moto refuses anonymous reads of it, as S3 does."""
        import json

        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{self.name}/*",
        }
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        self.client.put_bucket_policy(Bucket=self.name, Policy=json.dumps(policy))

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def remove(self) -> None:
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket_policy(Bucket=self.name)
        self.client.delete_bucket(Bucket=self.name)
        self.client.close()
