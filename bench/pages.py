"""Server time per page on the million-ad database, beside a floor page measured in the same
run (20 ads, one query, one plain template: bench/views.py). The target: every page within 2x
of the floor. Requests go through the whole middleware stack (Django's test client, in process),
with DEBUG off as in production.

Each page is timed twice: as its visitors are served (the same URL again: an anonymous visitor
gets the kept page, zattar.page_cache), and rendered, as the first visitor after an ad changed
gets it (every kept page and list of ads made again: the lists' generation is bumped before
each request, outside the time measured)."""

import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import percentile, save, server_settings, table, timed
from bench.search import ensure_ads
from listings import selectors
from listings.models import Category, Listing

TARGET_RATIO = 2.0


def _signed_in_client() -> Client:
    from accounts.models import User

    user = User.objects.filter(is_active=True, is_staff=False).order_by("pk").first()
    client = Client()
    client.force_login(user)
    return client


def _rendered(call, repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        selectors.lists_changed()  # outside a transaction: bumped at once
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": percentile(samples, 95)}


def run(*, repeat: int, listings: int) -> int:
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    active = ensure_ads(listings)
    anonymous = Client()
    signed_in = _signed_in_client()
    ad = Listing.objects.filter(status=Listing.Status.ACTIVE).order_by("-published_at").first()
    category = Category.objects.filter(parent=None).order_by("position").first()
    scenarios = [
        ("floor page (20 ads, 1 query)", anonymous, "/bench/floor-page", {}),
        ("home", anonymous, "/", {}),
        ("search: common word", anonymous, "/search/", {"q": "обмен"}),
        ("search: common word, signed in", signed_in, "/search/", {"q": "обмен"}),
        ("search: category page", anonymous, "/search/", {"category": category.slug}),
        ("ad page, anonymous", anonymous, ad.get_absolute_url(), {}),
        ("ad page, signed in", signed_in, ad.get_absolute_url(), {}),
    ]
    results, rows, failures, floor = [], [], 0, None
    for name, client, path, params in scenarios:

        def call(client=client, path=path, params=params):
            response = client.get(path, params)
            assert response.status_code == 200, (path, params, response.status_code)

        entry = {"page": name, "path": path, "params": params, **timed(call, repeat)}
        with CaptureQueriesContext(connection) as queries:
            call()
        entry["queries"] = len(queries)
        entry["rendered"] = _rendered(call, repeat)
        with CaptureQueriesContext(connection) as queries:
            selectors.lists_changed()
            call()
        entry["rendered"]["queries"] = len(queries)
        if floor is None:
            floor = entry["p50_ms"]
        entry["over_floor"] = round(entry["p50_ms"] / floor, 2)
        entry["rendered"]["over_floor"] = round(entry["rendered"]["p50_ms"] / floor, 2)
        entry["meets_target"] = entry["over_floor"] <= TARGET_RATIO
        failures += not entry["meets_target"]
        results.append(entry)
        rows.append(
            [
                name,
                f"{entry['p50_ms']:.1f}",
                f"{entry['p95_ms']:.1f}",
                entry["queries"],
                f"x{entry['over_floor']:.2f}",
                "yes" if entry["meets_target"] else "NO",
                f"{entry['rendered']['p50_ms']:.1f}",
                entry["rendered"]["queries"],
                f"x{entry['rendered']['over_floor']:.2f}",
            ]
        )
    server = server_settings()
    print(
        f"\nServer time per page over {active:,} active ads; {repeat} timed requests each, "
        f"in process (Django test client, DEBUG={settings.DEBUG}); PostgreSQL "
        f"{server['server_version']}. Target: every page within x{TARGET_RATIO} of the floor, "
        "as served (an anonymous visitor gets the page kept for the URL); 'rendered': the first "
        "visitor after an ad changed."
    )
    headers = ["page", "p50 ms", "p95 ms", "SQL", "p50/floor", "met"]
    print(table(rows, [*headers, "rendered p50", "SQL", "rendered/floor"]))
    path = save(
        "pages", {"active_ads": active, "repeat": repeat, "server": server, "results": results}
    )
    print(f"saved {path}")
    return failures
