"""Lighthouse (mobile) on home, search and the ad page, served as production serves them:
`python -m zattar.start --only web` with DEBUG off (gunicorn, hashed and compressed static files
from WhiteNoise), no TLS (SECURE_SSL_REDIRECT=false, as tests/test_production.py runs it).
Prints the four category scores per page and saves each report's JSON under bench/results/.
Target: at least 95 in every category.

The pages are those of the demo catalogue (seed_demo: ads with photos), in a database of its
own (DATABASE_URL's name + `_lighthouse`, created and seeded when missing): the million-ad
database has no photos. Media files (ad photos) are served in production by nginx or S3; here
the bench routes serve MEDIA_ROOT (bench/routes.py) so the pages' photos load as they would."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from django.conf import settings
from django.core.management import call_command
from psycopg import sql

from bench.common import RESULTS, save, table

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = 95


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_database() -> str:
    """The demo catalogue's database URL, migrated and seeded (once)."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_lighthouse"
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None}
    params = {key: value for key, value in params.items() if value}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as maintenance:
        if not maintenance.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo", "--allow-production"], cwd=ROOT, env=env, check=True)
    return url


def start_server(port: int, log: Path, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SILENCED_SYSTEM_CHECKS": "security.W008",
        "BENCH_ROUTES": "true",  # media from MEDIA_ROOT, in place of nginx or S3
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
    }
    command = [sys.executable, "-m", "zattar.start", "--only", "web", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--socket-port", str(free_port())]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10):
                return process
        except urllib.error.HTTPError as error:
            stop_server(process)
            raise RuntimeError(f"home answered {error.code}:\n{log.read_text()[-3000:]}") from None
        except OSError:
            time.sleep(1)
    stop_server(process)
    raise RuntimeError(f"the server did not answer in 180 s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def lighthouse(url: str, output: Path) -> dict[str, int]:
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}",
        "--form-factor=mobile", f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
    ]  # fmt: skip
    for attempt in range(3):
        # Lighthouse sometimes loses Chromium's trace of a load ("NO_NAVSTART: ... Please run
        # Lighthouse again", exit 1); it says to run it again, and so does this, twice at most.
        run = subprocess.run(command, env=env, timeout=300, capture_output=True, text=True)
        if run.returncode == 0 or "run Lighthouse again" not in run.stderr + run.stdout:
            break
        print(f"Lighthouse lost the trace of {url} (attempt {attempt + 1})", file=sys.stderr)
    if run.returncode:
        raise RuntimeError(f"lighthouse exited {run.returncode}:\n{run.stderr[-3000:]}")
    report = json.loads(output.read_text())
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def pages(base: str) -> list[tuple[str, str]]:
    """Home, a search by words (robots.txt lets crawlers in; combinations with filters stay
    closed), the first category x city landing page of the sitemap, and the first ad that home
    links to."""
    with urllib.request.urlopen(base + "/", timeout=30) as response:
        home = response.read().decode()
    ad = re.search(r'href="(/(?:[a-z]{2}/)?ads/[^"]+/)"', home).group(1)
    with urllib.request.urlopen(base + "/sitemap-landings.xml", timeout=30) as response:
        landing = re.search(r"<loc>https?://[^/<]+(/[^<]*)</loc>", response.read().decode()).group(
            1
        )
    return [
        ("home", "/"),
        ("search", "/search/?" + urlencode({"q": "велосипед"})),
        ("landing", landing),
        ("ad page", ad),
    ]


def run() -> int:
    if not LIGHTHOUSE.exists():
        print("lighthouse: node_modules/.bin/lighthouse is missing (npm ci)")
        return 1
    if shutil.which(os.environ.get("CHROME_PATH", "/usr/bin/chromium")) is None:
        print("lighthouse: no Chromium at CHROME_PATH (default /usr/bin/chromium)")
        return 1
    call_command("collectstatic", interactive=False, verbosity=0)
    out = RESULTS / "lighthouse"
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_server(port, out / "server.log", demo_database())
    base = f"http://127.0.0.1:{port}"
    rows, results, failures = [], [], 0
    try:
        for name, path in pages(base):
            url = base + path
            urllib.request.urlopen(url, timeout=30).read()  # warm the process's caches
            report = out / f"{name.replace(' ', '-')}-{time.strftime('%Y%m%dT%H%M%S')}.json"
            scores = lighthouse(url, report)
            met = all(score >= TARGET for score in scores.values())
            failures += not met
            results.append({"page": name, "path": path, "report": str(report), **scores})
            rows.append([name, path, *(scores[c] for c in CATEGORIES), "yes" if met else "NO"])
    finally:
        stop_server(server)
    print(f"\nLighthouse (mobile, DEBUG={settings.DEBUG}); target: {TARGET} in every category.")
    print(table(rows, ["page", "path", *CATEGORIES, "met"]))
    print(f"saved {save('lighthouse', {'results': results})}")
    return failures
