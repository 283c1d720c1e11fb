"""`make bench`: the project's benchmarks. Speed and memory targets live here, not in tests.

python -m bench                 # every benchmark
python -m bench search          # one of them
python -m bench search --repeat 50 --listings 1000000
python -m bench chat --sockets 2000 --rates 500,1000
"""

import argparse
import os
import sys

import django

BENCHMARKS = ("search", "chat", "deals")


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
    args = parser.parse_args()
    unknown = sorted(set(args.which) - set(BENCHMARKS))
    if unknown:
        parser.error(
            f"no benchmark named {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    args.which = args.which or list(BENCHMARKS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zattar.settings")
    django.setup()
    from django.core.management import call_command

    from bench import chat, deals, search

    call_command("migrate", verbosity=0)
    failures = 0
    for name in args.which:
        if name == "search":
            failures += search.run(repeat=args.repeat, listings=args.listings)
        elif name == "chat":
            failures += chat.run(
                sizes=[sockets // 2 for sockets in args.sockets], rates=args.rates or chat.RATES
            )
        elif name == "deals":
            failures += deals.run()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
