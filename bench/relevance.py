"""Relevance of the search: recall and precision at 20 per query class.

Runs on its own database (`RELEVANCE_DATABASE`, default zattar_bench_relevance, created when
missing, next to the one DATABASE_URL names) holding the demo catalogue plus generated ads
(bench/relevance_data.py), reloaded on every run. Each query goes through the search the page and
the API use (`listing_search`, rewrites and all). Target: recall >= 0.9 in every class.
"""

import os
from collections import defaultdict
from datetime import timedelta

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench.common import save, table
from bench.relevance_data import Query, generated_ads, queries
from listings.demo_data import DEMO_ADS

TARGET_RECALL = 0.9
DATABASE = os.environ.get("RELEVANCE_DATABASE", "zattar_bench_relevance")
K = 20


def load_catalogue() -> dict[int, str]:
    """The demo ads and the generated ones, freshly loaded; their text by id."""
    from accounts.models import User
    from listings.models import Category, City, Listing, SearchTerm

    with transaction.atomic():
        Listing.objects.all().delete()
        SearchTerm.objects.all().delete()
        seller, _ = User.objects.get_or_create(
            email="relevance@bench.zattar.kz",
            defaults={
                "phone": "+77000000999",
                "name": "Relevance",
                "phone_verified_at": timezone.now(),
            },
        )
        leaves = {c.slug: c for c in Category.objects.exclude(parent=None)}
        city = City.objects.get(slug="almaty")
        ads = [
            {"title": ad["title"], "description": ad["description"], "category": slug,
             "price": ad["price"]}
            for slug, group in DEMO_ADS.items()
            for ad in group
        ] + generated_ads()  # fmt: skip
        now = timezone.now()
        for n, ad in enumerate(ads):  # one by one: the triggers keep vectors and vocabulary
            category = leaves[ad["category"]]
            Listing.objects.create(
                seller=seller,
                title=ad["title"][:75],
                description=ad["description"],
                price=ad["price"],
                condition="used",
                city=city,
                category=category,
                root_category=category.parent or category,
                published_at=now - timedelta(minutes=n),
            )
    return {pk: f"{title}\n{description}" for pk, title, description in
            Listing.objects.values_list("pk", "title", "description")}  # fmt: skip


def evaluate(query: Query, texts: dict[int, str]) -> dict:
    from listings.search import SearchFilters
    from listings.selectors import listing_search

    relevant = {pk for pk, text in texts.items() if query.relevant(text)}
    result = listing_search(filters=SearchFilters(q=query.q), page_size=K)
    found = [item.pk for item in result.items]
    hits = len(relevant.intersection(found))
    return {
        "class": query.cls,
        "q": query.q,
        "rewritten": result.corrected_query,
        "relevant": len(relevant),
        "found": len(found),
        "recall": hits / min(len(relevant), K) if relevant else 1.0,
        "precision": hits / len(found) if found else 0.0,
        "missed": [texts[pk].split("\n")[0] for pk in relevant - set(found)][:5],
        "wrong": [texts[pk].split("\n")[0] for pk in set(found) - relevant][:5],
    }


def switch_to(name: str) -> None:
    connection.close()
    if hasattr(connection, "close_pool"):  # the pool keeps connections to the old database
        connection.close_pool()
    connection.settings_dict["NAME"] = name


def use_database(name: str) -> str:
    """Point the default connection at `name` (created when missing); returns the old name."""
    from bench.__main__ import ensure_database

    old = connection.settings_dict["NAME"]
    switch_to(name)
    ensure_database()
    return old


def run() -> int:
    old = use_database(DATABASE)
    try:
        call_command("migrate", verbosity=0)
        texts = load_catalogue()
        rows = [evaluate(query, texts) for query in queries()]
    finally:
        switch_to(old)
    by_class = defaultdict(list)
    for row in rows:
        by_class[row["class"]].append(row)
    summary, failures, lines = [], 0, []
    for cls, group in by_class.items():
        recall = sum(r["recall"] for r in group) / len(group)
        precision = sum(r["precision"] for r in group) / len(group)
        ok = recall >= TARGET_RECALL
        failures += not ok
        summary.append({"class": cls, "queries": len(group), "recall_at_20": round(recall, 3),
                        "precision_at_20": round(precision, 3), "meets_target": ok})  # fmt: skip
        lines.append([cls, len(group), f"{recall:.3f}", f"{precision:.3f}", "yes" if ok else "NO"])
    total = len(rows)
    lines.append(
        [
            "all",
            total,
            f"{sum(r['recall'] for r in rows) / total:.3f}",
            f"{sum(r['precision'] for r in rows) / total:.3f}",
            "",
        ]
    )
    print(f"\nRelevance: {total} queries over {len(texts)} ads (database {DATABASE}).")
    print(
        table(
            lines, ["class", "queries", "recall@20", "precision@20", f"recall >= {TARGET_RECALL}"]
        )
    )
    misses = [r for r in rows if r["recall"] < 1]
    for row in misses[:30]:
        print(f"  missed: [{row['class']}] {row['q']!r} -> {row['rewritten']!r}: "
              f"recall {row['recall']:.2f}, {row['found']} found of {row['relevant']} relevant; "
              f"missed {row['missed']}")  # fmt: skip
    path = save("relevance", {"ads": len(texts), "summary": summary, "queries": rows})
    print(f"saved {path}")
    return failures
