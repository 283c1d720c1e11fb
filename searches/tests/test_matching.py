"""A sweep finds, for every saved search, exactly the new ads its search page finds (the same
filters, the same full-text test), minus the person's own ads and blocked people's: checked on
a small varied set, not timed (bench/saved_searches.py times it)."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from chat.models import UserBlock
from listings import search
from listings.models import Category, City, Listing
from listings.services import listing_hold
from listings.tests.factories import ListingFactory
from searches.models import Frequency, SavedSearch, SavedSearchHit
from searches.services import saved_searches_sweep
from searches.tests.factories import SavedSearchFactory

pytestmark = pytest.mark.django_db

TITLES = [
    "Велосипед горный Stels",
    "Детский велосипед",
    "Samsung Galaxy S21",
    "iPhone 13 Pro",
    "Диван угловой",
    "Зимние шины R16",
    "Велосипеды б/у оптом",
    "Телефоны Samsung разные",
]
QUERIES = ["", "", "велосипед", "samsung", '"galaxy s21"', "iphone -pro", "шины or диван", "и"]


def page_finds(saved: SavedSearch, ids: list[int]) -> set[int]:
    filters = search.SearchFilters(
        q=saved.q,
        city=saved.city,
        category=saved.category,
        price_min=saved.price_min,
        price_max=saved.price_max,
        condition=saved.condition,
        has_photos=saved.has_photos,
        viewer_id=saved.user_id,
    )
    found = search.matching(filters).filter(pk__in=ids).exclude(seller_id=saved.user_id)
    return set(found.values_list("pk", flat=True))


def test_a_sweep_finds_what_the_search_page_finds():
    rng = random.Random(5)
    cities = list(City.objects.filter(slug__in=["almaty", "astana", "shymkent"]))
    leaves = list(Category.objects.filter(parent__isnull=False)[:6])
    roots = list(Category.objects.filter(parent__isnull=True)[:3])
    people = UserFactory.create_batch(6)
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        searches = [
            SavedSearchFactory(
                user=rng.choice(people),
                q=rng.choice(QUERIES),
                city=rng.choice([None, *cities]),
                category=rng.choice([None, *leaves, *roots]),
                price_min=rng.choice([None, None, 10_000]),
                price_max=rng.choice([None, 100_000, 500_000]),
                condition=rng.choice(["", "", "new", "used"]),
                has_photos=rng.random() < 0.2,
                frequency=rng.choice([Frequency.INSTANT, Frequency.DAILY]),
            )
            for _ in range(60)
        ]
        UserBlock.objects.create(blocker=people[0], blocked=people[1])
        clock.shift(timedelta(seconds=10))
        ads = [
            ListingFactory(
                seller=rng.choice(people),
                title=rng.choice(TITLES),
                price=rng.choice([0, 5_000, 50_000, 150_000, 800_000]),
                condition=rng.choice(["new", "used"]),
                city=rng.choice(cities),
                category=rng.choice(leaves),
                image_count=rng.choice([0, 2]),
            )
            for _ in range(80)
        ]
        listing_hold(listing_id=ads[0].pk)  # on review: found by nobody
        ids = [ad.pk for ad in ads]
        clock.shift(timedelta(seconds=50))
        result = saved_searches_sweep()
        assert result.ads == 79
    hits = set(SavedSearchHit.objects.values_list("search_id", "listing_id"))
    expected = {(saved.pk, pk) for saved in searches for pk in page_finds(saved, ids)}
    assert hits == expected
    assert len(expected) > 30  # the set is varied enough to mean something
    worded = {saved.pk for saved in searches if saved.q}
    assert worded & {search_id for search_id, _ in hits}  # the text test found some too
    assert not any(pk == ads[0].pk for _, pk in hits)


def test_a_search_switched_off_or_new_ads_after_the_sweep_wait_for_the_next():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        on = SavedSearchFactory(q="велосипед")
        SavedSearchFactory(q="велосипед", frequency=Frequency.OFF)
        first = ListingFactory()
        clock.shift(timedelta(seconds=60))
        saved_searches_sweep()
        clock.shift(timedelta(seconds=60))
        second = ListingFactory()
        clock.shift(timedelta(seconds=60))
        again = saved_searches_sweep()
    assert again.ads == 1 and again.hits == 1
    assert set(SavedSearchHit.objects.values_list("search_id", "listing_id")) == {
        (on.pk, first.pk),
        (on.pk, second.pk),
    }
    assert Listing.objects.count() == 2
