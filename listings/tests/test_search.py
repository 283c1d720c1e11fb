"""Search behaviour on PostgreSQL: morphology, words as written, syntax, typos, filters, orders."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from listings import search
from listings.models import Category, City, Listing
from listings.search import SearchFilters
from listings.selectors import listing_search
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

DESC = "Отличное состояние, самовывоз или доставка по городу, звоните в любое время."


def titles(**filters) -> list[str]:
    return [x.title for x in listing_search(filters=SearchFilters(**filters), page_size=50).items]


def leaf(slug: str) -> Category:
    return Category.objects.get(slug=slug)


@pytest.fixture
def catalogue():
    phones, bikes = leaf("phones"), leaf("bicycles")
    astana = City.objects.get(slug="astana")
    ListingFactory(title="Горный велосипед Stels Navigator", description=DESC, category=bikes)
    ListingFactory(title="iPhone 13 Pro 256GB", description=DESC, category=phones, price=235_000)
    ListingFactory(
        title="Samsung Galaxy S21", description=DESC, category=phones, price=125_000, city=astana
    )
    ListingFactory(
        title="Балалар велосипеді",
        description="Жақсы күйде, 20 дюйм. " + DESC,
        category=bikes,
        price=25_000,
        condition="new",
    )
    ListingFactory(
        title="Чехол для телефона",
        description="Подходит для iPhone 13. " + DESC,
        category=phones,
        price=3_000,
    )


def test_russian_morphology_plural_finds_singular(catalogue):
    assert titles(q="велосипеды") == ["Горный велосипед Stels Navigator"]


def test_latin_words_match_as_written_and_title_ranks_first(catalogue):
    found = titles(q="iphone 13")
    assert found[0] == "iPhone 13 Pro 256GB"
    assert "Чехол для телефона" in found  # mentioned in the description, ranked lower


def test_kazakh_word_forms_meet_by_stem_the_form_as_written_first(catalogue):
    # "велосипеді" (his bicycle) is the Kazakh form of "велосипед": both are found, the form
    # as written ranked first.
    assert titles(q="велосипеді") == ["Балалар велосипеді", "Горный велосипед Stels Navigator"]
    assert titles(q="велосипедтері") == ["Балалар велосипеді", "Горный велосипед Stels Navigator"]
    assert titles(q="дюйм") == ["Балалар велосипеді"]


def test_quoted_phrase_and_minus_word(catalogue):
    assert titles(q='"galaxy s21"') == ["Samsung Galaxy S21"]
    assert "Чехол для телефона" not in titles(q="iphone -чехол")
    assert titles(q="iphone -чехол") == ["iPhone 13 Pro 256GB"]


def test_typo_is_corrected_against_title_words(catalogue):
    result = listing_search(filters=SearchFilters(q="samsng galaxy"))
    assert result.corrected_query == "samsung galaxy"
    assert [x.title for x in result.items] == ["Samsung Galaxy S21"]
    assert listing_search(filters=SearchFilters(q="велосепед")).items[0].title == (
        "Горный велосипед Stels Navigator"
    )


def vocabulary_queries(queries) -> int:
    return sum("listings_searchterm" in query["sql"] for query in queries.captured_queries)


def test_a_repeated_typo_asks_the_vocabulary_once_until_the_answers_age(catalogue, monkeypatch):
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for expected in (2, 0):  # the known words, then trigrams for `samsng`; nothing the next time
        with CaptureQueriesContext(connection) as queries:
            result = listing_search(filters=SearchFilters(q="samsng galaxy"))
        assert result.corrected_query == "samsung galaxy"
        assert vocabulary_queries(queries) == expected
    ListingFactory(title="Samsng чехол")  # the typo is now a title word too
    later = time.monotonic() + search.SPAN_TTL_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    with CaptureQueriesContext(connection) as queries:
        result = listing_search(filters=SearchFilters(q="samsng galaxy"))
    assert vocabulary_queries(queries) == 1  # asked again: a title word now, no trigrams
    assert not result.corrected_query  # nothing to correct it to


def test_words_that_find_nothing_cost_one_statement_before_the_correction(catalogue):
    """A typo costs the search as typed, one statement, then the search it meant; fewer than
    1,000 matches are their own count, so the planner is not asked for an estimate."""
    from django.test.utils import CaptureQueriesContext

    for q in ("samsung galaxy", "samsng galaxy"):  # what the vocabulary and planner said: kept
        listing_search(filters=SearchFilters(q=q))
    with CaptureQueriesContext(connection) as meant:
        listing_search(filters=SearchFilters(q="samsung galaxy"))
    with CaptureQueriesContext(connection) as typed:
        result = listing_search(filters=SearchFilters(q="samsng galaxy"))
    assert result.corrected_query == "samsung galaxy" and result.count == 1
    assert len(typed) == len(meant) + 1
    assert not any(query["sql"].startswith("EXPLAIN") for query in typed.captured_queries)


@pytest.mark.parametrize("q", ['"galaxy s21"', "samsung -чехол", "iphone 13"])
def test_the_planner_is_asked_once_about_words_alone(catalogue, monkeypatch, q):
    """Words with no filter: the planner's estimate, for choosing how to read the newest
    matches and for the count past the candidates' cap, is asked once and kept."""
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(search, "RANK_CANDIDATES", 1)  # the cap reached: a count is estimated
    asked = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            result = listing_search(filters=SearchFilters(q=q))
        assert result.items
        asked.append(sum(query["sql"].startswith("EXPLAIN") for query in queries.captured_queries))
    assert asked[1] == 0 and asked[0] <= len(q.split())


def test_a_word_found_nowhere_gives_nothing(catalogue):
    result = listing_search(filters=SearchFilters(q="экскаватор"))
    assert result.items == [] and result.count == 0 and not result.corrected_query


def test_parent_category_includes_its_leaves(catalogue):
    electronics = Category.objects.get(slug="electronics")
    assert len(titles(category=electronics)) == 3
    assert len(titles(category=leaf("bicycles"))) == 2


def test_city_price_condition_and_photo_filters(catalogue):
    assert titles(city=City.objects.get(slug="astana")) == ["Samsung Galaxy S21"]
    assert sorted(titles(price_min=100_000, price_max=200_000)) == ["Samsung Galaxy S21"]
    assert titles(condition="new") == ["Балалар велосипеді"]
    assert titles(has_photos=True) == []
    Listing.objects.filter(title="iPhone 13 Pro 256GB").update(image_count=1)
    assert titles(has_photos=True) == ["iPhone 13 Pro 256GB"]


def test_sold_and_archived_ads_never_appear(catalogue):
    Listing.objects.filter(title="iPhone 13 Pro 256GB").update(status="sold")
    Listing.objects.filter(title="Samsung Galaxy S21").update(status="archived")
    found = titles(category=Category.objects.get(slug="electronics"))
    assert found == ["Чехол для телефона"]
    assert titles(q="samsung") == []


def test_orders(catalogue):
    assert [x for x in titles(ordering="cheap")][:2] == ["Чехол для телефона", "Балалар велосипеді"]
    assert titles(ordering="expensive")[0] == "iPhone 13 Pro 256GB"
    Listing.objects.filter(title="Samsung Galaxy S21").update(
        published_at=timezone.now() + timedelta(minutes=1)
    )
    assert titles(ordering="new")[0] == "Samsung Galaxy S21"
    assert titles()[0] == "Samsung Galaxy S21"  # newest first without words


def test_counts_past_the_limit_are_estimates(monkeypatch):
    ListingFactory.create_batch(12)
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 5)
    result = listing_search(filters=SearchFilters(), page_size=3)
    assert result.count_is_estimate and result.count >= 6
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 50)
    result = listing_search(filters=SearchFilters(), page_size=3)
    assert (result.count, result.count_is_estimate) == (12, False)


@pytest.mark.parametrize("ordering", ["new", "cheap", "expensive"])
def test_cursor_pages_cover_every_ad_once(ordering):
    now = timezone.now()
    for n in range(23):  # equal prices and equal times tie-break on id
        ListingFactory(price=1000 * (n % 4), published_at=now - timedelta(hours=n % 5))
    seen, cursor = [], None
    while True:
        result = listing_search(
            filters=SearchFilters(ordering=ordering), page_size=5, cursor=cursor, with_count=False
        )
        seen += [x.pk for x in result.items]
        if not result.has_next:
            break
        cursor = result.next_cursor
    assert sorted(seen) == sorted(Listing.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 23


def test_a_forged_cursor_is_refused():
    with pytest.raises(search.InvalidCursor):
        listing_search(filters=SearchFilters(ordering="new"), cursor="not-a-cursor")


def test_recent_weeks_cover_the_days_a_middling_word_needs(time_machine):
    time_machine.move_to("2026-12-04 15:00Z", tick=False)  # a Friday: this week holds 5 days
    ListingFactory(published_at=timezone.now() - timedelta(days=110))
    search._span[:] = []
    monday = timezone.datetime(2026, 11, 30)
    # 11 days: this week's five and six of the week before
    assert search.recent_weeks(frequency=round(110 * 2 * search.RANK_CANDIDATES / 11)) == [
        monday,
        monday - timedelta(weeks=1),
    ]
    # 5 days: this week alone; 13 days: three weeks
    assert search.recent_weeks(frequency=110 * 2 * search.RANK_CANDIDATES // 5) == [monday]
    assert len(search.recent_weeks(frequency=110 * 2 * search.RANK_CANDIDATES // 13)) == 3


@pytest.mark.parametrize("claimed", [40, 4_000], ids=["window-holds-enough", "falls-back"])
def test_relevance_candidates_through_the_week_window_are_the_newest_matches(
    monkeypatch, django_assert_num_queries, time_machine, claimed
):
    """The window only chooses how the newest matches are read, never which: with the word's
    frequency claimed right the recent weeks hold enough; claimed far too high they hold too
    few and every match is read instead. Either way: the newest five."""
    monkeypatch.setattr(search, "RANK_CANDIDATES", 5)
    monkeypatch.setattr(search, "WINDOW_WORD_ADS", (1, 10**6))
    time_machine.move_to("2026-12-04 15:00Z", tick=False)  # a Friday: 3 ads in this week
    search._span[:] = []
    now = timezone.now()
    ads = [
        ListingFactory(
            title=f"Galaxy {n}", description=DESC, published_at=now - timedelta(days=2 * n)
        )
        for n in range(40)
    ]
    ListingFactory(title="Велосипед", description=DESC, published_at=now)  # no match
    filters = SearchFilters(q="galaxy")
    search._word_estimates.put({"galaxy": claimed})  # what the planner said about the word
    # the span of the ads' days, the recent weeks (and, when they hold too few, every match)
    with django_assert_num_queries(2 if claimed == 40 else 3) as queries:
        ids = search.relevance_candidate_ids(search.matching(filters), filters)
    assert "date_trunc('week'" in queries.captured_queries[1]["sql"]
    assert ids == [ad.pk for ad in ads[:5]]


def test_an_older_week_is_read_only_when_the_newer_ones_hold_too_few(monkeypatch, time_machine):
    """The recent weeks are one statement, but PostgreSQL reads a week only when the newer
    weeks held fewer matches than wanted: on most days this week alone is enough."""
    time_machine.move_to("2026-12-04 15:00Z", tick=False)  # a Friday
    now = timezone.now()
    # this week: 3 ads; the week before: 3; the one before it: 4
    ads = [
        ListingFactory(
            title=f"Galaxy {n}", description=DESC, published_at=now - timedelta(days=2 * n)
        )
        for n in range(12)
    ]
    monday = timezone.datetime(2026, 11, 30)
    weeks = [monday - timedelta(weeks=n) for n in range(3)]
    matched = search.matching(SearchFilters(q="galaxy"))
    for wanted, weeks_read in ((3, 1), (5, 2), (9, 3)):
        monkeypatch.setattr(search, "RANK_CANDIDATES", wanted)
        sql, params = search.newest_by_week(matched, weeks)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            assert [pk for (pk,) in cursor.fetchall()] == [ad.pk for ad in ads[:wanted]]
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
            scans = [
                line
                for (line,) in cursor.fetchall()
                if re.search(r"Scan .*on listings_listing\b", line)
            ]
        assert len(scans) == 3
        assert sum("never executed" not in scan for scan in scans) == weeks_read, scans


def test_the_databases_kazakh_stemmer_is_the_query_sides():
    """The index strips the Kazakh endings of title words in SQL (migration 0015) as the search
    strips the typed words' in Python: the same endings, letters and rules, the same stems."""
    import importlib

    from django.db import connection

    from bench.relevance_data import generated_ads
    from listings import rewrites
    from listings.demo_data import DEMO_ADS

    migration = importlib.import_module("listings.migrations.0015_search_kazakh_stems")
    assert sorted(migration.KAZAKH_ENDINGS) == sorted(rewrites.KAZAKH_ENDINGS)
    assert set(migration.KAZAKH_LETTERS) == rewrites.KAZAKH_LETTERS
    assert migration.KAZAKH_MIN_STEM == rewrites.KAZAKH_MIN_STEM
    words = [
        "Домбыралар", "домбырасы", "Гантельдері", "көйлектерімізді", "арбасы", "шалбарлар",
        "велосипеды", "кітабы", "коляска", "часы", "ақ", "үйлер", "Samsung", "машина",
    ]  # fmt: skip
    titles = [
        *words, "Футболка и куртка, ДОМБЫРАЛАРЫ", "Компьютерный стол", "Балалар арбасы 3в1",
        *(ad["title"] for group in DEMO_ADS.values() for ad in group),
        *(ad["title"] for ad in generated_ads()),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT w, listings_kazakh_stem(w) FROM unnest(%s::text[]) AS w", [words])
        stems = dict(cursor.fetchall())
        cursor.execute("SELECT t, listings_kazakh_stems(t) FROM unnest(%s::text[]) AS t", [titles])
        title_stems = dict(cursor.fetchall())
    assert stems == {word: rewrites.kazakh_stem(word) for word in words}
    assert title_stems == {t: " ".join(rewrites.kazakh_title_stems(t)) for t in titles}
    assert title_stems["Футболка и куртка, ДОМБЫРАЛАРЫ"] == "домбыр"  # «-ка» stays Russian
    assert sum(bool(stems) for stems in title_stems.values()) > 20


def test_a_title_in_a_kazakh_form_is_found_by_the_base_word():
    ListingFactory(title="Домбыралар оригинал")
    ListingFactory(title="Балалар арбасы срочно")
    ListingFactory(title="Гантельдер недорого")
    ListingFactory(title="Арбуз сладкий")
    found = {
        q: [x.title for x in listing_search(filters=SearchFilters(q=q)).items]
        for q in ("домбыра", "арба", "гантель")
    }
    assert found == {
        "домбыра": ["Домбыралар оригинал"],
        "арба": ["Балалар арбасы срочно"],
        "гантель": ["Гантельдер недорого"],
    }
