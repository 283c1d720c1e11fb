"""What the automatic rules cost an ad being posted, on the million-ad database: every rule
(banned words, contacts, the category's price median, copied photos) and the duplicate check
against the seller's own ads (a bulk seller has about a thousand), then the whole service
`listing_create` (insert, rules, search trigger) in a transaction that is rolled back."""

import random

from django.db import transaction

from bench.common import save, table, timed
from bench.search import ensure_ads
from listings import services
from listings.models import Listing
from moderation import rules

REPEAT = 200


class RolledBack(Exception):
    pass


def run(*, repeat: int, listings: int) -> int:
    ensure_ads(listings)
    rng = random.Random(11)
    sample = list(
        Listing.objects.filter(status="active")
        .select_related("seller", "city", "category")
        .order_by("-id")[:2000]
    )
    heaviest = max(
        {ad.seller_id for ad in sample},
        key=lambda seller_id: Listing.objects.filter(seller_id=seller_id, status="active").count(),
    )
    own = Listing.objects.filter(seller_id=heaviest, status="active").count()
    number = iter(range(10**9))

    def fresh() -> Listing:
        ad = rng.choice(sample)
        n = next(number)
        return Listing(
            seller=ad.seller,
            title=f"{ad.title} {n}",
            description=f"{ad.description}\nВариант {n}: в наличии, доставка по Казахстану.",
            price=ad.price,
            negotiable=ad.negotiable,
            condition=ad.condition,
            city=ad.city,
            category=ad.category,
        )

    def all_rules() -> None:
        rules.listing_hits(fresh(), photo_hashes=[rng.getrandbits(63)])

    def duplicate_check() -> None:
        ad = fresh()
        ad.seller_id = heaviest
        rules.duplicate_of(seller_id=heaviest, title=ad.title, description=ad.description)

    def create() -> None:
        ad = fresh()
        try:
            with transaction.atomic():
                services.listing_create(
                    seller=ad.seller,
                    title=ad.title,
                    description=ad.description,
                    price=ad.price,
                    negotiable=ad.negotiable,
                    condition=ad.condition,
                    city=ad.city,
                    category=ad.category,
                )
                raise RolledBack
        except RolledBack:
            pass

    rows, results = [], {}
    for name, call in [
        ("every rule (text, price median, photo hash)", all_rules),
        (f"duplicate check, seller with {own:,} active ads", duplicate_check),
        ("listing_create, rolled back", create),
    ]:
        result = timed(call, repeat=repeat or REPEAT)
        results[name] = result
        rows.append([name, result["p50_ms"], result["p95_ms"], result["max_ms"], result["n"]])
    print("\nAutomatic rules at posting (ms)")
    print(table(rows, ["scenario", "p50", "p95", "max", "n"]))
    print(f"saved {save('rules', {'active_ads': ensure_ads(0), 'results': results})}")
    return 0
