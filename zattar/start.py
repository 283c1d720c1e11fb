"""The one start of Zattar: `python -m zattar.start`.

`make run` (DEBUG on or off), the container image and the topology tests all start the site
through it, so what is tested is what production runs. In order, stopping at the first failure
with its error and a non-zero exit:

1. settings load (with DEBUG off they refuse unsafe values);
2. `migrate`; with DEBUG off `check --deploy` must then be clean (warnings fail too); then
   `collectstatic` (DEBUG off: hashed, compressed files for WhiteNoise) and `compilemessages`;
3. demo data: in development (DEBUG on), or with DEMO_DATA=true on a staging box; never else;
4. the processes, watched together: the web server and the job worker (procrastinate). The
   web server has two layouts (WEB_LAYOUT):
   - `split` (the default with DEBUG off; the production layout, chosen from `python -m bench
     serving`): gunicorn with WEB_CONCURRENCY workers of WEB_THREADS threads serves HTTP on
     --port under WSGI, and daphne serves the WebSocket routes (`/api/v1/ws/`) on
     --socket-port; nginx in front sends each where it belongs (deploy/nginx.conf);
   - `single` (the default in development): daphne serves HTTP and WebSocket on --port.
   When one process ends, the others are stopped and the start exits with its code. Ctrl+C or
   SIGTERM stops them all. The embedded development database, if this start started it, is
   stopped last (whenever the start ends, during the preparation too).

`--only prepare` runs steps 1-3 (a release step), `--only web` / `--only worker` run one process
without the preparation (one container per process).
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROLES = ("web", "worker")
LAYOUTS = ("split", "single")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m zattar.start", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--socket-port",
        type=int,
        default=int(os.environ["SOCKET_PORT"]) if os.environ.get("SOCKET_PORT") else None,
        help="split layout: where daphne serves the WebSocket routes (default: --port + 1)",
    )
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default=os.environ.get("WEB_LAYOUT") or None,
        help="split: gunicorn (HTTP) + daphne (WebSocket); single: daphne for both "
        "(default: split with DEBUG off, single with DEBUG on)",
    )
    parser.add_argument(
        "--only",
        choices=["prepare", *ROLES],
        help="Run just the preparation, or just one process without it.",
    )
    return parser.parse_args(argv)


def say(message: str) -> None:
    print(f"zattar.start: {message}", file=sys.stderr, flush=True)


def prepare() -> None:
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    if not settings.DEBUG:  # after migrate: the API schema check reads the catalogue
        say("checking the deployment settings (manage.py check --deploy)")
        call_command("check", deploy=True, fail_level="WARNING")
    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)
    call_command(
        "compilemessages",
        verbosity=0,
        ignore_patterns=[".venv", ".tools", ".data", "staticfiles", "node_modules", "media"],
    )
    demo = os.environ.get("DEMO_DATA", "").lower() in {"1", "true", "yes", "on"}
    if settings.DEBUG or demo:
        call_command("seed_demo", allow_production=demo)


def commands(args: argparse.Namespace, roles: tuple[str, ...]) -> dict[str, list[str]]:
    from django.conf import settings

    bin_dir = Path(sys.executable).parent
    manage = str(Path(__file__).resolve().parent.parent / "manage.py")
    daphne = [
        str(bin_dir / "daphne"), "--bind", args.host, "--no-server-name",
        "zattar.asgi:application", "--port",
    ]  # fmt: skip
    every = {
        "worker": [
            sys.executable, manage, "procrastinate", "worker",
            "--concurrency", str(settings.WORKER_CONCURRENCY),
        ],
    }  # fmt: skip
    if args.layout == "split":
        every["web"] = [
            str(bin_dir / "gunicorn"), "zattar.wsgi:application",
            "--config", "python:zattar.gunicorn_conf",
            "--bind", f"{args.host}:{args.port}",
            "--workers", str(settings.WEB_CONCURRENCY),
            "--worker-class", "gthread", "--threads", str(settings.WEB_THREADS),
        ]  # fmt: skip
        every["sockets"] = [*daphne, str(args.socket_port)]
    else:
        every["web"] = [*daphne, str(args.port)]
    wanted = [*roles, "sockets"] if "web" in roles else list(roles)
    return {role: every[role] for role in wanted if role in every}


def supervise(processes: dict[str, subprocess.Popen]) -> int:
    """Wait until one process ends or a stop signal comes; then stop the rest."""
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        while not stopping:
            ended = {role: p.returncode for role, p in processes.items() if p.poll() is not None}
            if ended:
                role, code = next(iter(ended.items()))
                say(f"the {role} process ended with code {code}: stopping the others")
                code = code or 1  # a process that ends by itself is a failure of the start
                break
            time.sleep(0.2)
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 35  # procrastinate lets jobs finish for 30 s
        for p in processes.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zattar.settings")
    # SIGTERM (docker stop, systemd, timeout) while preparing: unwind, so `finally` runs.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        import django

        django.setup()  # settings refuse unsafe production values here, loudly
        if args.only in (None, "prepare"):
            prepare()
        if args.only == "prepare":
            return 0
        from django.conf import settings

        args.layout = args.layout or ("single" if settings.DEBUG else "split")
        args.socket_port = args.socket_port or args.port + 1
        roles = ROLES if args.only is None else (args.only,)
        if "web" in roles and args.layout == "split":
            say(
                f"Zattar serves HTTP on http://{args.host}:{args.port}/ ({settings.WEB_CONCURRENCY}"
                f" gunicorn workers x {settings.WEB_THREADS} threads) and WebSocket on ws://{args.host}:{args.socket_port}"
                "/api/v1/ws/ (daphne): put nginx in front (deploy/nginx.conf); Ctrl+C stops it"
            )
        elif "web" in roles:
            where = f"http://{args.host}:{args.port}/"
            say(f"Zattar is on {where} (HTTP and WebSocket); Ctrl+C stops it")
        metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if metrics_dir and "web" in roles:  # one app process's gunicorn and daphne share it
            Path(metrics_dir).mkdir(parents=True, exist_ok=True)
            for stale in Path(metrics_dir).glob("*.db"):  # a previous run's counts
                stale.unlink()
        processes = {
            role: subprocess.Popen(command) for role, command in commands(args, roles).items()
        }
        return supervise(processes)
    finally:
        devdb = sys.modules.get("zattar.devdb")
        if devdb is not None and devdb.started_here:  # not a server another run started
            from django.db import connections

            connections.close_all()
            devdb.stop()


if __name__ == "__main__":
    sys.exit(main())
