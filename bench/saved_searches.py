"""Saved-search alerts at scale: the minute's sweep (searches.services.saved_searches_sweep) on
the million-ad database, with 10,000, 50,000 and 100,000 saved searches.

The target (issue 12): 1,000 new ads every 5 minutes, every instant alert out within
SAVED_SEARCH_INSTANT_SECONDS (300) of publication, on this 2-core machine. The sweep runs
every minute, so an ad waits at most a minute for it; the benchmark puts the whole five
minutes' 1,000 ads into one sweep too (a worker that was down, or sweeps falling behind) and
requires it to finish in the time left: 300 s - 60 s.

The saved searches are spread as people's are: drawn from real ads (their category, leaf or
root, or none; their city or the whole country; a price ceiling or floor near the ad's price;
half of them with a word or two of an ad's title; some new-only or photos-only), 60 % instant,
30 % daily, 10 % off, five per person. Each round publishes 1,000 new ads (copies of random ads
with new titles' words), sweeps, and rolls everything back (the ads, the pairs, the
notifications and their delivery jobs): the database is left as it was, but for the searches.

Reported per size: the sweep's wall time, the matching query alone, searches per second
(saved searches checked against the 1,000 ads, per second of sweep), pairs found, instant
alerts written, and CPU: this process's (Python: notify() renders and inserts each alert) and
the PostgreSQL backend's (psutil, when the server is on this machine).
"""

import os
import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from bench.common import save, server_settings, table
from bench.search import ensure_ads
from listings.models import Listing
from searches import matching
from searches.models import Frequency, SavedSearch, SweepMark
from searches.services import saved_searches_sweep

SIZES = (10_000, 50_000, 100_000)
NEW_ADS = 1_000
PER_PERSON = 5
SEARCHER_DOMAIN = "@searchers.bulk.zattar.kz"
SWEEP_EVERY_SECONDS = 60
STOP = {"и", "в", "с", "на", "для", "по", "б/у", "срочно!", "новый", "отличный", "почти", "жаңа"}


class RolledBack(Exception):
    pass


def searchers(count: int) -> list[int]:
    existing = list(
        User.objects.filter(email__endswith=SEARCHER_DOMAIN).values_list("pk", flat=True)
    )
    if len(existing) >= count:
        return existing[:count]
    password = make_password(None)
    User.objects.bulk_create(
        (
            User(
                email=f"searcher{n}{SEARCHER_DOMAIN}",
                phone=f"+7705{n:07d}",
                name=f"Покупатель {n}",
                password=password,
            )
            for n in range(len(existing), count)
        ),
        batch_size=5000,
    )
    return list(User.objects.filter(email__endswith=SEARCHER_DOMAIN).values_list("pk", flat=True))


def sample_ads(rng: random.Random, count: int) -> list[Listing]:
    """Random active ads (by random ids: no ORDER BY random() over a million rows)."""
    low, high = (
        Listing.objects.order_by("id").values_list("id", flat=True).first(),
        Listing.objects.order_by("-id").values_list("id", flat=True).first(),
    )
    ids = rng.sample(range(low, high + 1), min(count * 2, high - low + 1))
    return list(
        Listing.objects.filter(pk__in=ids, status=Listing.Status.ACTIVE).select_related("category")[
            :count
        ]
    )


def words(title: str) -> list[str]:
    return [w for w in title.replace(",", " ").split() if w.lower() not in STOP and len(w) > 2]


def a_search(ad: Listing, rng: random.Random, user_id: int) -> SavedSearch:
    """Three in four people type what they want (a word or two of a real title), most in
    their city; the others browse a leaf category (rarely a root) near a price, in their city."""
    title_words = words(ad.title)
    worded = bool(title_words) and rng.random() < 0.75
    roll = rng.random()
    if worded:
        category = ad.category_id if roll < 0.4 else ad.root_category_id if roll < 0.55 else None
        city = ad.city_id if rng.random() < 0.7 else None
    else:
        category = ad.category_id if roll < 0.85 else ad.root_category_id
        city = ad.city_id if rng.random() < 0.85 else None
    price_max = int(ad.price * rng.uniform(1.0, 1.5)) if rng.random() < 0.6 else None
    price_min = int(ad.price * rng.uniform(0.5, 1.0)) if rng.random() < 0.3 else None
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min = None
    q = " ".join(title_words[: rng.choice((1, 2, 2))]) if worded else ""
    frequency = rng.choices([Frequency.INSTANT, Frequency.DAILY, Frequency.OFF], weights=[6, 3, 1])[
        0
    ]
    return SavedSearch(
        user_id=user_id,
        name=(q or ad.category.name_ru)[:100],
        q=q,
        city_id=city,
        category_id=category,
        price_min=price_min,
        price_max=price_max,
        condition=ad.condition if rng.random() < 0.2 else "",
        has_photos=rng.random() < 0.2,
        frequency=frequency,
    )


def ensure_searches(size: int, rng: random.Random) -> int:
    have = SavedSearch.objects.count()
    if have >= size:
        return have
    users = searchers(size // PER_PERSON + 1)
    ads = sample_ads(rng, 5000)
    started = time.perf_counter()
    SavedSearch.objects.bulk_create(
        (a_search(rng.choice(ads), rng, users[n // PER_PERSON]) for n in range(have, size)),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE searches_savedsearch")
    print(f"  {size - have:,} saved searches added in {time.perf_counter() - started:.1f} s")
    return size


def publish(rng: random.Random, ads: list[Listing], start, seconds: int = 300) -> list[int]:
    """NEW_ADS fresh ads published over `seconds` from `start`: copies of real ones (the
    trigger builds their search vectors), from the bulk sellers."""
    fresh = []
    for _ in range(NEW_ADS):
        ad = rng.choice(ads)
        fresh.append(
            Listing(
                seller_id=ad.seller_id,
                title=ad.title,
                description=ad.description,
                price=ad.price,
                negotiable=ad.negotiable,
                condition=ad.condition,
                city_id=ad.city_id,
                category_id=ad.category_id,
                root_category_id=ad.root_category_id,
                image_count=ad.image_count,
                published_at=start + timedelta(seconds=rng.uniform(0, seconds - 1)),
                created_at=start,
            )
        )
    return [ad.pk for ad in Listing.objects.bulk_create(fresh, batch_size=1000)]


def backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend, when the server runs here."""
    try:
        import psutil

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    except Exception:  # another machine, or no permission: not measured
        return None


def timed_sweep(now) -> dict:
    pg_before, cpu_before = backend_cpu(), time.process_time()
    started = time.perf_counter()
    result = saved_searches_sweep(now=now)
    wall = time.perf_counter() - started
    pg_after = backend_cpu()
    return {
        "wall_s": wall,
        "python_cpu_s": time.process_time() - cpu_before,
        "postgres_cpu_s": pg_after - pg_before if pg_before is not None else None,
        "ads": result.ads,
        "hits": result.hits,
        "alerts": result.alerts,
    }


def measure(size: int, rng: random.Random, ads: list[Listing]) -> dict:
    """Five minutes as production lives them: 1,000 ads published over five minutes, a sweep at
    the end of each minute (about 200 ads each). Then the worst case: the same load arriving
    all in one sweep (a worker that was down for five minutes). Both rolled back."""
    entry = {"saved_searches": size, "new_ads": NEW_ADS}
    try:
        with transaction.atomic():
            start = timezone.now()
            publish(rng, ads, start)
            SweepMark.objects.update_or_create(pk=1, defaults={"swept_until": start, "last_id": 0})
            sweeps = [
                timed_sweep(start + timedelta(seconds=SWEEP_EVERY_SECONDS * (minute + 1)))
                for minute in range(300 // SWEEP_EVERY_SECONDS)
            ]
            raise RolledBack
    except RolledBack:
        pass
    walls = [sweep["wall_s"] for sweep in sweeps]
    entry["minute_sweeps"] = len(sweeps)
    entry["sweep_mean_s"] = round(sum(walls) / len(walls), 2)
    entry["sweep_max_s"] = round(max(walls), 2)
    entry["ads_per_sweep"] = round(sum(s["ads"] for s in sweeps) / len(sweeps))
    entry["hits_5min"] = sum(s["hits"] for s in sweeps)
    entry["alerts_5min"] = sum(s["alerts"] for s in sweeps)
    entry["python_cpu_5min_s"] = round(sum(s["python_cpu_s"] for s in sweeps), 2)
    pg = [s["postgres_cpu_s"] for s in sweeps]
    entry["postgres_cpu_5min_s"] = round(sum(pg), 2) if None not in pg else None
    entry["searches_per_s"] = round(size / entry["sweep_mean_s"]) if entry["sweep_mean_s"] else 0
    # An ad waits for the next minute's sweep, then for that sweep to end.
    entry["worst_delay_s"] = round(SWEEP_EVERY_SECONDS + entry["sweep_max_s"], 1)
    try:
        with transaction.atomic():
            now = timezone.now()
            ids = publish(rng, ads, now - timedelta(seconds=300))
            SweepMark.objects.update_or_create(
                pk=1, defaults={"swept_until": now - timedelta(seconds=300), "last_id": 0}
            )
            started = time.perf_counter()
            entry["matching_pairs_burst"] = len(matching.matches(ids))
            entry["matching_burst_s"] = round(time.perf_counter() - started, 2)
            with transaction.atomic():  # the sweep itself, on the same ads, from scratch
                burst = timed_sweep(now)
            raise RolledBack
    except RolledBack:
        pass
    entry["burst_s"] = round(burst["wall_s"], 2)
    entry["burst_alerts"] = burst["alerts"]
    entry["burst_python_cpu_s"] = round(burst["python_cpu_s"], 2)
    entry["target_s"] = settings.SAVED_SEARCH_INSTANT_SECONDS
    # Met when an ad waits at most a minute plus the longest sweep, and the sweeps keep up with
    # the ads: five minutes' ads in one sweep take less than the time left (a sweep longer than
    # a minute is followed at once by the next, which takes more ads at a time).
    entry["meets_target"] = (
        entry["worst_delay_s"] <= entry["target_s"]
        and entry["burst_s"] <= entry["target_s"] - SWEEP_EVERY_SECONDS
    )
    return entry


def run(*, listings: int, sizes: tuple[int, ...] = SIZES) -> int:
    active = ensure_ads(listings)
    rng = random.Random(12)
    ads = sample_ads(rng, 5000)
    results = []
    for size in sizes:
        ensure_searches(size, rng)
        results.append(measure(size, rng, ads))
    failures = sum(not entry["meets_target"] for entry in results)
    server = server_settings()
    print(
        f"\nSaved-search alerts: {NEW_ADS:,} new ads over 5 minutes, a sweep a minute, "
        f"{active:,} active ads; PostgreSQL {server['server_version']}, {os.cpu_count()} cores."
    )
    print(
        table(
            [
                [
                    f"{e['saved_searches']:,}",
                    e["ads_per_sweep"],
                    f"{e['sweep_mean_s']} / {e['sweep_max_s']}",
                    f"{e['searches_per_s']:,}",
                    e["hits_5min"],
                    e["alerts_5min"],
                    e["python_cpu_5min_s"],
                    e["postgres_cpu_5min_s"] if e["postgres_cpu_5min_s"] is not None else "-",
                    e["worst_delay_s"],
                    f"{e['burst_s']} ({e['matching_burst_s']})",
                    e["burst_alerts"],
                    "yes" if e["meets_target"] else "NO",
                ]
                for e in results
            ],
            [
                "searches",
                "ads/sweep",
                "sweep mean/max s",
                "searches/s",
                "pairs 5 min",
                "alerts 5 min",
                "py CPU s",
                "pg CPU s",
                "worst delay s",
                "1-sweep burst s (matching)",
                "burst alerts",
                "met",
            ],
        )
    )
    print(
        f"Target: every instant alert within {settings.SAVED_SEARCH_INSTANT_SECONDS} s of "
        f"publication (a sweep every {SWEEP_EVERY_SECONDS} s; CPU summed over the five sweeps)."
    )
    path = save(
        "saved_searches",
        {"active_ads": active, "new_ads": NEW_ADS, "server": server, "results": results},
    )
    print(f"saved {path}")
    return failures
