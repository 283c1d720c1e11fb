"""HTTP serving layouts, measured in one run on the million-ad database with DEBUG off.

Layouts: one daphne process (today's production), uvicorn with N workers, gunicorn with N sync
workers on the WSGI application (sockets would go to an ASGI server beside it), and gunicorn
with N gthread workers of DB_POOL_MAX_SIZE threads each. Pages: the home page, a search, an ad
and the API list; beside them, on the same server, a FLOOR: a bare view through the same
middleware stack (bench/views.py), so that page/floor means the same on any machine.

Load: wrk (or, without it, a small asyncio generator) with a fixed number of connections after
a warm-up. While each load runs, PostgreSQL connections to the database are sampled; a last
phase per layout floods the home page with many connections and shows the per-process pool
bound (DB_POOL_MAX_SIZE) holds: no 500s, no "too many clients", connections at most processes x
pool size + a small constant. Errors in each server's log are counted.
"""

import asyncio
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
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from django.conf import settings
from django.db import connection

from bench.common import RESULTS, percentile, save, table
from bench.search import ensure_ads
from listings.models import Listing
from zattar.testing import free_port

WARMUP_SECONDS = 3
SAMPLE_SECONDS = 0.2
CONNECTION_SLACK = 2  # connections beyond processes x pool that a run may show (a sampler's own)
ERROR_LINE = re.compile(r"\bERROR\b|Internal Server Error|too many clients|CRITICAL")

# wrk: per-status counts from every thread, and the summary, as one JSON line at the end.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "statuses": {%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, table.concat(parts, ", ")))
end
"""


FLOOD_HEADERS = [
    "layout", "conns", "rps", "p99 ms", "statuses", "sock err", "db conns", "log errors", "holds",
]  # fmt: skip


def layouts(workers: int) -> list[dict]:
    python = sys.executable
    threads = max(1, settings.DB_POOL_MAX_SIZE)
    return [
        {
            "name": "daphne x1",
            "processes": 1,
            "command": [
                *(python, "-m", "daphne", "--no-server-name", "-b", "127.0.0.1", "-p", "{port}"),
                "zattar.asgi:application",
            ],
        },
        {
            "name": f"uvicorn x{workers}",
            "processes": workers,
            "command": [
                *(python, "-m", "uvicorn", "zattar.asgi:application"),
                *("--workers", str(workers), "--no-server-header", "--no-access-log"),
                *("--lifespan", "off", "--host", "127.0.0.1", "--port", "{port}"),
            ],
        },
        {
            "name": f"gunicorn x{workers} sync",
            "processes": workers,
            "command": [
                *(python, "-m", "gunicorn", "zattar.wsgi:application"),
                *("--workers", str(workers), "--worker-class", "sync"),
                *("--bind", "127.0.0.1:{port}"),
            ],
        },
        {
            # A sync worker waits idle while PostgreSQL works; threads fill the wait, as many
            # as the pool has connections.
            "name": f"gunicorn x{workers} gthread x{threads}",
            "processes": workers,
            "command": [
                *(python, "-m", "gunicorn", "zattar.wsgi:application"),
                *("--workers", str(workers), "--worker-class", "gthread"),
                *("--threads", str(threads), "--bind", "127.0.0.1:{port}"),
            ],
        },
    ]


def pages() -> dict[str, str]:
    ad = Listing.objects.filter(status="active").order_by("-published_at")[100]
    return {
        "floor": "/bench/floor",
        "home": "/",
        "search": "/search/?" + urlencode({"q": "обмен", "city": "almaty"}),
        "ad": ad.get_absolute_url(),  # /ads/<id>-<slug>/: the bare /ads/<id>/ answers 301
        "api list": "/api/v1/listings?" + urlencode({"category": "phones"}),
    }


class Server:
    """One layout's server on a free loopback port, its output in bench/results/."""

    def __init__(self, layout: dict, log_path: Path):
        self.layout = layout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = log_path.open("w")
        environment = {
            **os.environ,
            "BENCH_ROUTES": "true",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(layout["processes"]),
        }
        command = [part.replace("{port}", str(self.port)) for part in layout["command"]]
        self.process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers with it: stopped as one group, ours
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/bench/floor", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.layout['name']} did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def log_errors(self) -> tuple[int, dict[str, int]]:
        """Errors the server logged: tracebacks and error lines, and how many of each kind (the
        exception's last line, or the line itself)."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        kinds: dict[str, int] = {}
        for index, line in enumerate(lines):
            if line.startswith("Traceback"):
                end = next(
                    (i for i in range(index + 1, len(lines)) if not lines[i].startswith(" ")),
                    len(lines) - 1,
                )
                kind = lines[end][:120]
            elif ERROR_LINE.search(line) and not line.startswith(" "):
                kind = line[:120]
            else:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
        # An "ERROR: Exception in ASGI application" line heads the traceback it announces.
        announced = sum(n for kind, n in kinds.items() if "Exception in ASGI application" in kind)
        total = sum(kinds.values()) - announced
        return total, kinds


class ConnectionSampler:
    """Connections to the benchmark database (this sampler's own excluded), read every
    SAMPLE_SECONDS while a load runs: the highest count seen."""

    def __init__(self):
        db = settings.DATABASES["default"]
        self.dbname = db["NAME"]
        self.params = {
            key: value
            for key, value in {
                "host": db.get("HOST"),
                "port": db.get("PORT"),
                "user": db.get("USER"),
                "password": db.get("PASSWORD"),
            }.items()
            if value
        }
        self.highest = 0
        self.stopping = threading.Event()

    def __enter__(self):
        self.db = psycopg.connect(dbname=self.dbname, autocommit=True, **self.params)
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def count(self) -> int:
        return self.db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.dbname],
        ).fetchone()[0]

    def sample(self) -> None:
        while not self.stopping.wait(SAMPLE_SECONDS):
            self.highest = max(self.highest, self.count())

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()
        self.highest = max(self.highest, self.count())
        self.db.close()


def load(url: str, *, connections: int, seconds: int, timeout: int = 10) -> dict:
    """Requests per second, p50/p99 latency, status counts and socket errors of a fixed number
    of connections requesting `url` as fast as they are answered for `seconds`."""
    if shutil.which("wrk"):
        return wrk(url, connections=connections, seconds=seconds, timeout=timeout)
    return asyncio.run(python_load(url, connections=connections, seconds=seconds, timeout=timeout))


def wrk(url: str, *, connections: int, seconds: int, timeout: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        output = subprocess.run(
            [
                *("wrk", "-t", str(min(2, connections)), "-c", str(connections)),
                *("-d", f"{seconds}s", "--timeout", f"{timeout}s", "-s", script.name, url),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    raw = json.loads(output.split("WRK-JSON ", 1)[1].splitlines()[0])
    return summarize(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        statuses={int(k): v for k, v in raw["statuses"].items()},
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"],
        timeouts=raw["timeouts"],
        generator="wrk",
    )


async def python_load(url: str, *, connections: int, seconds: int, timeout: int) -> dict:
    """The fallback without wrk: HTTP/1.1 keep-alive over asyncio streams (it takes more of the
    CPU it measures than wrk does: compare its figures with its own floor only)."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)
    request = f"GET /{path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = {"socket": 0, "timeout": 0}
    stop_at = time.perf_counter() + seconds

    async def one_connection():
        reader = writer = None
        while time.perf_counter() < stop_at:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, int(port))
                started = time.perf_counter()
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                }
                await asyncio.wait_for(
                    reader.readexactly(int(headers.get("content-length", 0))), timeout
                )
                latencies.append((time.perf_counter() - started) * 1000)
                status = int(lines[0].split()[1])
                statuses[status] = statuses.get(status, 0) + 1
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader = writer = None
            except TimeoutError:
                errors["timeout"] += 1
                reader = writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors["socket"] += 1
                reader = writer = None
        if writer is not None:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return summarize(
        requests=len(latencies),
        seconds=time.perf_counter() - began,
        p50_ms=percentile(latencies, 50) if latencies else 0,
        p99_ms=percentile(latencies, 99) if latencies else 0,
        statuses=statuses,
        socket_errors=errors["socket"],
        timeouts=errors["timeout"],
        generator="python",
    )


def summarize(*, requests, seconds, p50_ms, p99_ms, statuses, socket_errors, timeouts, generator):
    return {
        "rps": round(requests / seconds, 1),
        "p50_ms": round(p50_ms, 1),
        "p99_ms": round(p99_ms, 1),
        "requests": requests,
        "non_2xx": sum(n for status, n in statuses.items() if not 200 <= status < 300),
        "statuses": {str(status): n for status, n in sorted(statuses.items())},
        "socket_errors": socket_errors,
        "timeouts": timeouts,
        "generator": generator,
    }


def check_pages(base: str, paths: dict[str, str]) -> None:
    """Every page answers 200 itself (no redirect) before it is measured."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for name, path in paths.items():
        try:
            with opener.open(base + path, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise RuntimeError(f"{name} ({path}) answered {status}, not 200")


def measure(layout: dict, paths: dict, *, connections: int, duration: int, flood: int) -> dict:
    server = Server(layout, RESULTS / f"serving-{layout['name'].replace(' ', '-')}.log")
    pool = settings.DB_POOL_MAX_SIZE
    bound = layout["processes"] * pool + CONNECTION_SLACK
    result = {"layout": layout["name"], "processes": layout["processes"], "pages": {}}
    try:
        server.wait_ready()
        check_pages(server.url, paths)
        for path in paths.values():  # unmeasured: pools filled, templates compiled
            load(server.url + path, connections=connections, seconds=WARMUP_SECONDS)
        for name, path in paths.items():
            with ConnectionSampler() as sampler:
                figures = load(server.url + path, connections=connections, seconds=duration)
            figures["max_db_connections"] = sampler.highest
            result["pages"][name] = figures
            print(
                f"  {layout['name']:<22} {name:<9} {figures['rps']:>8} rps  "
                f"p50 {figures['p50_ms']} ms  p99 {figures['p99_ms']} ms  "
                f"non-2xx {figures['non_2xx']}  db connections {sampler.highest}",
                flush=True,
            )
        with ConnectionSampler() as sampler:
            figures = load(
                server.url + paths["home"], connections=flood, seconds=duration, timeout=30
            )
        figures["max_db_connections"] = sampler.highest
        figures["connection_bound"] = bound
        figures["server_errors_5xx"] = sum(
            n for status, n in figures["statuses"].items() if int(status) >= 500
        )
        result["flood"] = figures
        print(
            f"  {layout['name']:<22} flood x{flood} home: {figures['rps']} rps, p99 "
            f"{figures['p99_ms']} ms, statuses {figures['statuses']}, timeouts "
            f"{figures['timeouts']}, db connections {sampler.highest} (bound {bound})",
            flush=True,
        )
    finally:
        server.stop()
        errors, kinds = server.log_errors()
        result["log_errors"] = errors
        result["log_error_kinds"] = kinds
        result["log"] = str(server.log_path)
    return result


def best_of(rounds: list[dict]) -> dict:
    """One layout's rounds as one result: each page's round with the highest throughput (the
    one least disturbed by whatever else the machine ran), the flood's worst connection count,
    every round's log errors."""
    best = {**rounds[0], "rounds": len(rounds)}
    best["pages"] = {
        name: max((r["pages"][name] for r in rounds), key=lambda figures: figures["rps"])
        for name in rounds[0]["pages"]
    }
    best["flood"] = max((r["flood"] for r in rounds), key=lambda f: f["max_db_connections"])
    best["flood"]["server_errors_5xx"] = sum(r["flood"]["server_errors_5xx"] for r in rounds)
    best["log_errors"] = sum(r["log_errors"] for r in rounds)
    best["log_error_kinds"] = {}
    for r in rounds:
        for kind, n in r["log_error_kinds"].items():
            best["log_error_kinds"][kind] = best["log_error_kinds"].get(kind, 0) + n
    return best


def run(
    *,
    listings: int,
    duration: int,
    connections: int,
    flood_connections: int,
    workers: int,
    rounds: int = 1,
):
    RESULTS.mkdir(exist_ok=True)
    started = time.monotonic()
    active = ensure_ads(listings)
    print(f"{active:,} active ads ({time.monotonic() - started:.0f} s to check or load)")
    paths = pages()
    connection.close()
    connection.close_pool()  # this process holds no connection while the servers are measured
    with psycopg.connect(
        dbname="postgres",
        autocommit=True,
        **ConnectionSampler().params,
    ) as db:
        max_connections = int(db.execute("SHOW max_connections").fetchone()[0])
    load_before = os.getloadavg()
    generator = "wrk" if shutil.which("wrk") else "python (wrk not installed)"
    print(
        f"Serving: {connections} connections, {duration} s per page after {WARMUP_SECONDS} s "
        f"warm-up, generator {generator}; load average {load_before[0]:.2f} on "
        f"{os.cpu_count()} cores; pool {settings.DB_POOL_MAX_SIZE} per process, PostgreSQL "
        f"max_connections {max_connections}",
        flush=True,
    )
    measured: dict[str, list[dict]] = {}
    for round_ in range(rounds):  # layouts interleaved: a noisy minute hits one round of each
        if rounds > 1:
            print(f"round {round_ + 1} of {rounds}", flush=True)
        for layout in layouts(workers):
            measured.setdefault(layout["name"], []).append(
                measure(
                    layout,
                    paths,
                    connections=connections,
                    duration=duration,
                    flood=flood_connections,
                )
            )
    results = [best_of(layout_rounds) for layout_rounds in measured.values()]
    load_after = os.getloadavg()

    rows = []
    for result in results:
        floor = result["pages"]["floor"]["rps"] or 1
        for name, figures in result["pages"].items():
            figures["share_of_floor"] = round(figures["rps"] / floor, 3)
            rows.append(
                [
                    result["layout"],
                    name,
                    figures["rps"],
                    figures["p50_ms"],
                    figures["p99_ms"],
                    figures["non_2xx"] + figures["socket_errors"] + figures["timeouts"],
                    f"{figures['share_of_floor']:.2f}" if name != "floor" else "1",
                    figures["max_db_connections"],
                ]
            )
    headers = ["layout", "page", "rps", "p50 ms", "p99 ms", "errors", "/floor", "db conns"]
    print()
    print(table(rows, headers))
    baseline = results[0]["pages"]
    speedups = {
        result["layout"]: {
            name: round(figures["rps"] / (baseline[name]["rps"] or 1), 2)
            for name, figures in result["pages"].items()
        }
        for result in results
    }
    print("\nThroughput over one daphne process:")
    for layout_name, ratios in speedups.items():
        print(f"  {layout_name:<24} " + ", ".join(f"{k} x{v}" for k, v in ratios.items()))

    failures = 0
    flood_rows = []
    for result in results:
        flood = result["flood"]
        ok = (
            flood["server_errors_5xx"] == 0
            and flood["max_db_connections"] <= flood["connection_bound"]
            and not any("too many clients" in kind for kind in result["log_error_kinds"])
        )
        flood["holds"] = ok
        failures += not ok
        flood_rows.append(
            [
                result["layout"],
                flood_connections,
                flood["rps"],
                flood["p99_ms"],
                json.dumps(flood["statuses"]),
                flood["timeouts"] + flood["socket_errors"],
                f"{flood['max_db_connections']} <= {flood['connection_bound']}",
                result["log_errors"],
                "yes" if ok else "NO",
            ]
        )
    print(f"\nPool bound under {flood_connections} connections on the home page:")
    print(
        table(
            flood_rows,
            FLOOD_HEADERS,
        )
    )
    print(
        f"Load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} cores)"
    )
    payload = {
        "active_ads": active,
        "connections": connections,
        "duration_s": duration,
        "warmup_s": WARMUP_SECONDS,
        "flood_connections": flood_connections,
        "workers": workers,
        "rounds": rounds,
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "generator": generator,
        "db_pool_max_size": settings.DB_POOL_MAX_SIZE,
        "postgres_max_connections": max_connections,
        "paths": paths,
        "results": results,
        "over_daphne": speedups,
    }
    path = save("serving", payload)
    markdown = path.with_suffix(".md")
    markdown.write_text(
        f"Serving, {active:,} active ads, {connections} connections x {duration} s, best of "
        f"{rounds} round(s), "
        f"{generator}, load average {load_before[0]:.2f} -> {load_after[0]:.2f} on "
        f"{os.cpu_count()} cores\n\n"
        + markdown_table(rows, headers)
        + f"\n\nPool bound, {flood_connections} connections on the home page:\n\n"
        + markdown_table(
            flood_rows,
            FLOOD_HEADERS,
        )
        + "\n"
    )
    print(f"saved {path} and {markdown}")
    return failures


def markdown_table(rows: list[list], headers: list[str]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
