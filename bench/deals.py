"""Safe Deal transitions: throughput on distinct deals, and the latency of one contended deal
under 20 concurrent clients (each its own thread and database connection, as server workers)."""

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from accounts.models import User
from bench.common import percentile, save, table
from deals import services
from deals.errors import TransitionNotAllowed, WrongRole
from deals.models import SafeDeal
from deals.selectors import NOT_SHIPPABLE_ROOTS
from listings.models import Listing

CLIENTS = 20
DISTINCT_DEALS = 400
CONTENDED_ROUNDS = 50
DETAILS = {"tracking_number": "KZ000000000", "carrier": "Kazpost"}


def fresh_deals(count: int) -> list[SafeDeal]:
    """Deals just started on active ads, each with its own buyer from the bulk sellers."""
    listings = list(
        Listing.objects.filter(status="active", price__gt=0)
        .exclude(root_category__slug__in=NOT_SHIPPABLE_ROOTS)
        .order_by("-id")[: count * 2]
    )
    buyers = list(User.objects.filter(email__endswith="@bulk.zattar.kz").order_by("?")[:200])
    deals = []
    for listing in listings:
        buyer = next(b for b in buyers if b.pk != listing.seller_id)
        deals.append(services.deal_start(listing_id=listing.pk, buyer=buyer))
        if len(deals) == count:
            break
    return deals


def timed_call(call) -> tuple[float, object]:
    started = time.perf_counter()
    try:
        result = call()
    except (TransitionNotAllowed, WrongRole) as refused:
        result = refused
    finally:
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, result


def in_thread(call):
    try:
        return timed_call(call)
    finally:
        connection.close()


def distinct(deals: list[SafeDeal]) -> dict:
    moves = []
    for deal in deals:
        moves.append(
            lambda d=deal: services.deal_transition(
                deal_id=d.pk, target="SHIPPED", actor=d.seller, **DETAILS
            )
        )
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        ships = list(pool.map(in_thread, moves))
    completes_calls = [
        lambda d=deal: services.deal_transition(deal_id=d.pk, target="COMPLETED", actor=d.buyer)
        for deal in deals
    ]
    with ThreadPoolExecutor(CLIENTS) as pool:
        completes = list(pool.map(in_thread, completes_calls))
    seconds = time.perf_counter() - started
    latencies = [ms for ms, _ in ships + completes]
    return {
        "transitions": len(latencies),
        "seconds": round(seconds, 2),
        "per_second": round(len(latencies) / seconds),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


def contended(rounds: int) -> dict:
    latencies, winners = [], []
    deals = fresh_deals(rounds)
    for deal in deals:
        services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    for deal in deals:
        barrier = threading.Barrier(CLIENTS)
        calls = []
        for n in range(CLIENTS):
            if n % 3 == 0:
                call = lambda d=deal: services.deal_transition(  # noqa: E731
                    deal_id=d.pk, target="COMPLETED", actor=d.buyer
                )
            elif n % 3 == 1:
                call = lambda d=deal: services.deal_transition(  # noqa: E731
                    deal_id=d.pk, target="DISPUTED", actor=d.buyer, reason="bench"
                )
            else:
                call = lambda d=deal: services.deal_transition(  # noqa: E731
                    deal_id=d.pk, target="CANCELLED", actor=d.seller, reason="bench"
                )

            def after_barrier(call=call, barrier=barrier):
                barrier.wait()
                return in_thread(call)

            calls.append(after_barrier)
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(lambda c: c(), calls))
        latencies += [ms for ms, _ in results]
        winners.append(sum(isinstance(r, SafeDeal) for _, r in results))
    return {
        "rounds": rounds,
        "clients": CLIENTS,
        "attempts": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "one_winner_every_round": all(w == 1 for w in winners),
    }


def run() -> int:
    free = Listing.objects.filter(status="active").count()
    if free < DISTINCT_DEALS + CONTENDED_ROUNDS:
        raise SystemExit("The deals benchmark needs the bulk-loaded ads (python -m bench search).")
    result = {
        "distinct": distinct(fresh_deals(DISTINCT_DEALS)),
        "contended": contended(CONTENDED_ROUNDS),
    }
    d, c = result["distinct"], result["contended"]
    print(
        table(
            [
                [
                    "distinct deals",
                    d["transitions"],
                    d["per_second"],
                    d["p50_ms"],
                    d["p99_ms"],
                    "-",
                ],
                [
                    "one deal, 20 clients",
                    c["attempts"],
                    "-",
                    c["p50_ms"],
                    c["p99_ms"],
                    "yes" if c["one_winner_every_round"] else "NO",
                ],
            ],
            ["scenario", "transitions", "per second", "p50 ms", "p99 ms", "one winner"],
        )
    )
    print(f"saved {save('deals', result)}")
    return 0 if c["one_winner_every_round"] else 1
