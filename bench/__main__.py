"""`make bench`: the project's benchmarks. Speed and memory targets live here, not in tests.

python -m bench                 # every benchmark
python -m bench search          # one of them
python -m bench search --repeat 50 --listings 1000000
python -m bench chat --sockets 2000 --rates 500,1000
python -m bench serving --duration 10 --connections 16 --rounds 2
python -m bench pages             # server time per page beside a floor page
python -m bench lighthouse        # Lighthouse (mobile) scores of home, search and the ad page
python -m bench rules             # what the automatic rules cost an ad being posted
python -m bench saved-searches --searches 10000,50000,100000   # the saved-search alert sweep
python -m bench relevance         # recall and precision at 20 per query class (own database)

The database is the one DATABASE_URL names (`make bench` passes BENCH_DATABASE_URL, default
zattar_bench); it is created when missing.
"""

import argparse
import os
import sys

import django

BENCHMARKS = (
    "search",
    "relevance",
    "pages",
    "lighthouse",
    "chat",
    "deals",
    "rules",
    "saved-searches",
    "serving",
)


def ensure_database() -> None:
    """Create the database DATABASE_URL names if the server has none by that name."""
    import psycopg
    from django.conf import settings
    from psycopg import sql

    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    params = {key: value for key, value in params.items() if value is not None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as maintenance:
        exists = maintenance.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            print(f"creating database {db['NAME']}")
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("which", nargs="*", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per scenario")
    parser.add_argument("--listings", type=int, default=1_000_000, help="active ads wanted")
    parser.add_argument(
        "--sockets", type=int, nargs="+", default=[200, 2000], help="chat: sockets per scenario"
    )
    parser.add_argument(
        "--rates",
        type=lambda text: [int(rate) for rate in text.split(",")],
        help="chat: messages per second to step through, comma-separated",
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="serving: seconds of load per page and layout"
    )
    parser.add_argument(
        "--connections", type=int, default=16, help="serving: concurrent HTTP connections"
    )
    parser.add_argument(
        "--flood-connections",
        type=int,
        default=200,
        help="serving: connections of the pool-bound load phase",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2),
        help="serving: processes for uvicorn and gunicorn (default: WEB_CONCURRENCY or cores)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="serving: measure every layout this many times, interleaved; report the best",
    )
    parser.add_argument(
        "--searches",
        type=lambda text: tuple(int(size) for size in text.split(",")),
        default=(10_000, 50_000, 100_000),
        help="saved-searches: numbers of saved searches to step through, comma-separated",
    )
    args = parser.parse_args()
    unknown = sorted(set(args.which) - set(BENCHMARKS))
    if unknown:
        parser.error(
            f"no benchmark named {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    args.which = args.which or list(BENCHMARKS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zattar.settings")
    if "pages" in args.which:
        os.environ.setdefault("BENCH_ROUTES", "true")  # the floor page, beside the real ones
    django.setup()
    from django.core.management import call_command

    from bench import (
        chat,
        deals,
        lighthouse,
        pages,
        relevance,
        rules,
        saved_searches,
        search,
        serving,
    )

    ensure_database()

    call_command("migrate", verbosity=0)
    failures = 0
    for name in args.which:
        if name == "search":
            failures += search.run(repeat=args.repeat, listings=args.listings)
        elif name == "relevance":
            failures += relevance.run()
        elif name == "pages":
            failures += pages.run(repeat=args.repeat, listings=args.listings)
        elif name == "lighthouse":
            failures += lighthouse.run()
        elif name == "chat":
            failures += chat.run(
                sizes=[sockets // 2 for sockets in args.sockets], rates=args.rates or chat.RATES
            )
        elif name == "deals":
            failures += deals.run()
        elif name == "rules":
            failures += rules.run(repeat=args.repeat * 5, listings=args.listings)
        elif name == "saved-searches":
            failures += saved_searches.run(listings=args.listings, sizes=args.searches)
        elif name == "serving":
            failures += serving.run(
                listings=args.listings,
                duration=args.duration,
                connections=args.connections,
                flood_connections=args.flood_connections,
                workers=args.workers,
                rounds=args.rounds,
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
