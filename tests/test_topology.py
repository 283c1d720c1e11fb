"""The production topology on loopback: Debian's nginx with deploy/nginx.conf in front of two app
processes (each `python -m zattar.start --only web`: gunicorn for HTTP, daphne for sockets), the
job worker (`--only worker`), an S3 API server (moto) for media, PostgreSQL and Redis.

Run alone with `pytest -m topology`; CI runs it with the rest (`.ci/run` installs nginx).
"""

import asyncio
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import pytest
import requests
import websockets
from django.conf import settings
from PIL import Image

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.images import jpeg_with_gps
from conftest import truncate_jobs
from listings.models import ListingImage
from listings.tests.factories import ListingFactory
from tests.test_production import production_env
from zattar.testing import database_url, free_port, s3_server

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.topology,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx (apt-get install nginx)"),
]
BUCKET = "zattar-media"
CONF = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process ended:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:]}")


class Topology:
    def __init__(self, root: Path, env: dict[str, str], s3_url: str) -> None:
        self.root, self.env, self.s3_url = root, env, s3_url
        self.apps: dict[str, dict] = {}
        self.processes: list[subprocess.Popen] = []
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, *args: str, name: str) -> subprocess.Popen:
        log = self.root / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "zattar.start", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killing it kills its servers
        )
        self.processes.append(process)
        return process

    def start_app(self, name: str) -> None:
        http, ws = free_port(), free_port()
        process = self.start(
            "--only", "web", "--host", "127.0.0.1", "--port", str(http),
            "--socket-port", str(ws), name=name,
        )  # fmt: skip
        self.apps[name] = {"http": http, "ws": ws, "process": process}
        log = self.root / f"{name}.log"
        wait_until_answering(f"http://127.0.0.1:{http}/healthz", process, log)
        wait_until_answering(f"http://127.0.0.1:{ws}/healthz", process, log)

    def kill_app(self, name: str) -> None:
        process = self.apps[name]["process"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def nginx_conf(self) -> Path:
        """deploy/nginx.conf with the loopback addresses: the listen port, the two apps in
        each upstream, the static folder; and, for the test to see which process holds a
        socket, the upstream's address in a header of the WebSocket handshake."""
        text = CONF.read_text()
        http = "".join(
            f"        server 127.0.0.1:{app['http']} max_fails=1 fail_timeout=10s;\n"
            for app in self.apps.values()
        )
        ws = "".join(
            f"        server 127.0.0.1:{app['ws']} max_fails=1 fail_timeout=10s;\n"
            for app in self.apps.values()
        )
        replacements = [
            ("        server web:8000 max_fails=1 fail_timeout=10s;\n", http),
            ("        server web:8001 max_fails=1 fail_timeout=10s;\n", ws),
            ("listen 80 default_server;", f"listen 127.0.0.1:{self.port} default_server;"),
            ("alias /srv/zattar/static/;", f"alias {self.env['STATIC_ROOT']}/;"),
            (
                "access_log /var/log/nginx/access.log zattar;",
                f"access_log {self.root}/nginx.log zattar;",
            ),
            ("worker_processes auto;", "worker_processes 1;"),  # round robin in one order
            (
                "            proxy_pass http://zattar_ws;\n",
                "            proxy_pass http://zattar_ws;\n"
                "            add_header X-Upstream $upstream_addr always;\n",
            ),
        ]  # fmt: skip
        for old, new in replacements:
            assert old in text, f"deploy/nginx.conf no longer has {old!r}"
            text = text.replace(old, new)
        conf = self.root / "nginx.conf"
        conf.write_text(text)
        return conf

    def start_nginx(self) -> None:
        conf = self.nginx_conf()
        (self.root / "nginx").mkdir(exist_ok=True)
        command = [
            NGINX, "-c", str(conf), "-p", str(self.root / "nginx"),
            "-g", f"daemon off; pid {self.root}/nginx.pid; error_log {self.root}/nginx-error.log;",
        ]  # fmt: skip
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        wait_until_answering(f"{self.base}/healthz", process, self.root / "nginx-error.log")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def topology(tmp_path):
    truncate_jobs()
    # nginx's workers run as an unprivileged user: the static files must be readable to them,
    # which pytest's private temporary folders are not.
    static_root = Path(tempfile.mkdtemp(prefix="zattar-static-"))
    static_root.chmod(0o755)
    with s3_server() as s3_url:
        s3 = boto3.client(
            "s3", endpoint_url=s3_url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip
        s3.create_bucket(Bucket=BUCKET)
        # Media is public (AWS_QUERYSTRING_AUTH off): anyone may read, only the site writes.
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }]}))  # fmt: skip
        env = production_env(
            database_url(),
            STATIC_ROOT=str(static_root),
            SECURE_SSL_REDIRECT="false",  # no TLS on this loopback
            SILENCED_SYSTEM_CHECKS="security.W008",
            TRUSTED_PROXY_COUNT="1",
            WEB_CONCURRENCY="2",
            WORKER_CONCURRENCY="1",
            AWS_STORAGE_BUCKET_NAME=BUCKET,
            AWS_S3_ENDPOINT_URL=s3_url,
            AWS_S3_REGION_NAME="us-east-1",
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            CSP_IMG_HOSTS=s3_url,
            CHANNEL_LAYER_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
            CACHE_KEY_PREFIX="zattar-topology",
            PYTHONPATH=str(settings.BASE_DIR),
        )
        site = Topology(tmp_path, env, s3_url)
        try:
            prepare = site.start("--only", "prepare", name="prepare")
            assert prepare.wait(timeout=300) == 0, (tmp_path / "prepare.log").read_text()[-3000:]
            for folder, folders, _files in os.walk(static_root):
                for name in folders:
                    Path(folder, name).chmod(0o755)
            site.start_app("a")
            site.start_app("b")
            site.start("--only", "worker", name="worker")
            site.start_nginx()
            yield site
        finally:
            site.stop()
            truncate_jobs()
            shutil.rmtree(static_root, ignore_errors=True)


def sign_in(site: Topology, user) -> str:
    response = requests.post(
        f"{site.base}/api/v1/users/login", json={"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


async def chat_socket(site: Topology, conversation_id: int, token: str, after: int | None = None):
    query = f"?token={token}" + (f"&after={after}" if after is not None else "")
    url = f"ws://127.0.0.1:{site.port}/api/v1/ws/chat/{conversation_id}/{query}"
    socket = await websockets.connect(url)
    upstream = socket.response.headers["X-Upstream"]
    holder = next(name for name, app in site.apps.items() if upstream.endswith(f":{app['ws']}"))
    return socket, holder


async def next_message(socket, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if event["type"] == "message":
            return event["message"]


def test_production_topology_on_loopback(topology):
    site = topology
    seller, buyer = UserFactory(), UserFactory()
    listing = ListingFactory(seller=seller, title="Горный велосипед Stels Navigator")

    # Pages and the API through nginx, the request id from nginx in the answer.
    home = requests.get(f"{site.base}/")
    assert home.status_code == 200 and "Zattar" in home.text
    assert "server" not in {k.lower() for k in home.headers} or home.headers["Server"] == "nginx"
    assert requests.get(f"{site.base}/ads/{listing.pk}/").status_code == 200
    assert requests.get(f"{site.base}/api/v1/listings").json()["results"]
    assert requests.get(f"{site.base}/metrics").status_code == 404  # not public

    # Static files from disk with far-future caching and compression.
    css = re.search(r'href="(/static/[^"]+\.css)"', home.text).group(1)
    static = requests.get(f"{site.base}{css}", headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200 and static.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in static.headers["Cache-Control"]

    # Probes: nginx's and each process's, as an orchestrator would poll them.
    assert requests.get(f"{site.base}/healthz").json() == {"status": "ok"}
    assert requests.get(f"{site.base}/readyz").json()["status"] == "ok"
    for app in site.apps.values():
        assert requests.get(f"http://127.0.0.1:{app['http']}/readyz").status_code == 200

    # A photo through nginx lands in the bucket without its EXIF, and is served back.
    token = sign_in(site, seller)
    uploaded = requests.post(
        f"{site.base}/api/v1/listings/{listing.pk}/images",
        headers={"Authorization": f"Bearer {token}"},
        files={"image": ("photo.jpg", jpeg_with_gps(1200, 800, 6), "image/jpeg")},
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = ListingImage.objects.get(listing=listing)
    s3 = boto3.client(
        "s3", endpoint_url=site.s3_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    stored = s3.get_object(Bucket=BUCKET, Key=photo.large.name)["Body"].read()
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif() and image.size == (800, 1200)  # turned upright, no GPS
    served = requests.get(uploaded.json()["url"])
    assert served.status_code == 200 and served.content == stored

    # Chat across processes, both sockets through nginx.
    buyer_token = sign_in(site, buyer)
    start = requests.post(
        f"{site.base}/api/v1/chat/conversations/{listing.pk}/{seller.pk}",
        headers={"Authorization": f"Bearer {buyer_token}"},
    )
    assert start.status_code in (200, 201), start.text
    conversation_id = start.json()["id"]

    async def chat_and_failover() -> None:
        one, holder_one = await chat_socket(site, conversation_id, buyer_token)
        two, holder_two = await chat_socket(site, conversation_id, token)
        if holder_one == holder_two:  # round robin: the third lands on the other process
            await two.close()
            two, holder_two = await chat_socket(site, conversation_id, token)
        assert {holder_one, holder_two} == {"a", "b"}
        await asyncio.sleep(0.5)  # both processes have subscribed in Redis
        await one.send(json.dumps({"type": "message", "body": "Ещё продаётся?"}))
        received = await next_message(two)
        assert received["body"] == "Ещё продаётся?"
        assert (await next_message(one))["id"] == received["id"]  # the sender's own copy

        # Kill the process that holds the seller's socket, under HTTP load through nginx.
        # nginx sends what was refused or reset before any answer to the other process (GETs
        # only); an answer that the dead process had begun to send cannot be taken back, so at
        # most the requests then in flight fail, and every request after the kill succeeds.
        results = load_while(site, lambda: site.kill_app(holder_two))
        assert results["after"] > 30 and results["failed_after"] == [], results
        assert len(results["cut_in_flight"]) <= 8, results
        print(
            f"kill under load: {results['ok']} answered 200, {results['after']} after the kill, "
            f"{len(results['cut_in_flight'])} cut in flight"
        )
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(two.recv(), 10)
        # Meanwhile the buyer writes twice; the seller reconnects (to the live process) and
        # misses nothing.
        await one.send(json.dumps({"type": "message", "body": "Алло?"}))
        await one.send(json.dumps({"type": "message", "body": "Вы здесь?"}))
        first = await next_message(one)
        assert (await next_message(one))["body"] == "Вы здесь?"
        back, holder_back = await chat_socket(site, conversation_id, token, after=received["id"])
        assert holder_back == holder_one
        replay = [await next_message(back), await next_message(back)]
        assert [m["body"] for m in replay] == ["Алло?", "Вы здесь?"]
        assert replay[0]["id"] == first["id"]
        await one.close()
        await back.close()

    asyncio.run(chat_and_failover())

    # The dead process's probes fail, nginx's still pass.
    dead = next(app for app in site.apps.values() if app["process"].poll() is not None)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{dead['http']}/healthz", timeout=2)
    assert requests.get(f"{site.base}/readyz").json()["status"] == "ok"


def load_while(site: Topology, action, seconds: float = 6.0, threads: int = 8) -> dict:
    """GETs of pages and the API through nginx from several threads; `action` runs a third of
    the way in. Returns the count of 200s, the failures started after the action ended, and
    those in flight while it ran."""
    paths = ["/", "/api/v1/listings", "/healthz", "/search/?q=велосипед"]
    answers: list[tuple[float, str, object]] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def hammer(offset: int) -> None:
        session = requests.Session()
        i = offset
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            started = time.monotonic()
            try:
                status = session.get(f"{site.base}{path}", timeout=15).status_code
            except requests.RequestException as error:
                status = repr(error)[:200]
            with lock:
                answers.append((started, path, status))

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(seconds / 3)
    action()
    done = time.monotonic()
    for worker in workers:
        worker.join()
    failed = [(started, path, status) for started, path, status in answers if status != 200]
    return {
        "ok": sum(1 for *_, status in answers if status == 200),
        "failed_after": [f for f in failed if f[0] >= done],
        "cut_in_flight": [f for f in failed if f[0] < done],
        "after": sum(1 for started, *_ in answers if started >= done),
    }
