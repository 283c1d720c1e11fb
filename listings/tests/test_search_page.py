"""The search page's interface over HTTP: filter chips and their removal links, the phone panel's
count endpoint, the header's box belonging to the filters' form, and "show more" leaving a URL
that renders every card loaded."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from listings import search
from listings.models import City, Listing
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("listings:search")
COUNT = reverse("listings:search_count")
HTMX = {"HTTP_HX_REQUEST": "true"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# English pages are under /en/ (Russian ones unprefixed), whatever the browser asks for.
SEARCH_EN, COUNT_EN = f"/en{SEARCH}", f"/en{COUNT}"


def query(url: str) -> dict[str, list[str]]:
    parts = urlsplit(unescape(url))
    assert parts.path in (SEARCH, SEARCH_EN)
    return parse_qs(parts.query)


def chips(html: str) -> dict[str, str]:
    """Each chip's accessible name -> its link."""
    found = re.findall(r'<a class="chip" href="([^"]*)"[^>]*aria-label="([^"]*)"', html)
    return {unescape(name): unescape(href) for href, name in found}


def cards(html: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(
            r'<article class="ad-card">\s*<a[^>]*href="(?:/en|/kk)?/ads/(\d+)[-/]', html
        )
    ]


FILTERS = {
    "q": "велосипед",
    "category": "bicycles",
    "city": "almaty",
    "price_min": "1000",
    "price_max": "90000",
    "condition": "used",
    "has_photos": "on",
    "ordering": "cheap",
}


def test_each_active_filter_is_a_chip_linking_to_the_search_without_it(client):
    response = client.get(SEARCH_EN, {**FILTERS, "shown": "48"}, **EN)
    found = chips(response.text)
    assert list(found) == [
        "Remove filter: Bicycles",
        "Remove filter: Almaty",
        "Remove filter: from 1\u00a0000\u00a0₸",
        "Remove filter: up to 90\u00a0000\u00a0₸",
        "Remove filter: Used",
        "Remove filter: With photos",
    ]
    removed = ["category", "city", "price_min", "price_max", "condition", "has_photos"]
    for url, key in zip(found.values(), removed, strict=True):
        # the rest stay, the list starts again from its top
        expected = {k: [v] for k, v in FILTERS.items() if k != key}
        assert query(url) == expected, key
    assert 'id="filters-count"> (6)</span>' in response.text
    clear = re.search(r'<a class="chips__clear" href="([^"]*)"', response.text).group(1)
    assert query(clear) == {"q": ["велосипед"], "ordering": ["cheap"]}


def test_no_chips_without_filters_and_none_for_an_invalid_one(client):
    plain = client.get(SEARCH, {"q": "велосипед", "ordering": "new"})
    assert chips(plain.text) == {} and "chips__clear" not in plain.text
    assert 'id="filters-count"></span>' in plain.text
    bad = client.get(SEARCH_EN, {"city": "atlantis", "price_min": "abc", "condition": "new"}, **EN)
    assert bad.status_code == 200
    assert list(chips(bad.text)) == ["Remove filter: New"]


def test_following_a_chip_with_htmx_swaps_the_filters_and_the_results(client):
    ListingFactory(title="Велосипед Stels", condition=Listing.Condition.NEW)
    ListingFactory(title="Велосипед Forward")
    url = chips(client.get(SEARCH_EN, {"condition": "new"}, **EN).text)["Remove filter: New"]
    response = client.get(url, HTTP_HX_TARGET="search-layout", **HTMX)
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div class="search-layout" id="search-layout">')
    assert 'id="search-filters"' in response.text and len(cards(response.text)) == 2
    assert "hx-swap-oob" not in response.text


def test_a_filter_change_gets_the_results_with_the_counts_out_of_band(client):
    ListingFactory(title="Велосипед Stels", condition=Listing.Condition.NEW)
    response = client.get(
        SEARCH_EN, {"condition": "new", "city": "almaty"}, HTTP_HX_TARGET="results", **HTMX, **EN
    )
    assert response.text.lstrip().startswith('<div id="results"')
    assert 'id="search-filters"' not in response.text
    assert (
        '<span class="filters__count" id="filters-count" hx-swap-oob="true"> (2)</span>'
        in response.text
    )
    assert '<span id="filters-apply-label" hx-swap-oob="true">Show 1 ad</span>' in response.text


def test_a_history_restore_gets_the_whole_page(client):
    response = client.get(
        SEARCH, {"q": "велосипед"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )
    assert "<html" in response.text


def test_the_header_box_is_the_search_pages_query_field(client):
    page = client.get(SEARCH, {"q": "велосипед", "city": "almaty"}).text
    box = re.search(r'<input id="header-q"[^>]*>', page, re.S).group(0)
    assert 'form="search-filters"' in box and 'value="велосипед"' in box
    button = re.search(r'<button type="submit" class="header__search-btn"[^>]*>', page).group(0)
    assert 'form="search-filters"' in button
    assert 'name="q"' not in page.replace(box, "")  # one query field on the page
    assert re.search(r'<form class="filters card" id="search-filters" method="get"', page)
    home = client.get("/").text
    assert 'form="search-filters"' not in home


def test_the_count_endpoint_counts_the_panels_choices(client):
    ListingFactory.create_batch(3)
    ListingFactory(city=City.objects.get(slug="astana"))
    response = client.get(COUNT_EN, {"city": "almaty"}, **EN)
    assert response.status_code == 200
    assert response.json() == {"count": 3, "estimate": False, "label": "Show 3 ads"}
    assert client.get(COUNT_EN, {"city": "astana"}, **EN).json()["label"] == "Show 1 ad"
    assert client.get(COUNT, {"q": "экскаватор"}).json()["count"] == 0
    assert client.get(COUNT).json()["count"] == 4


def test_the_count_endpoint_corrects_a_typo_as_the_page_does(client):
    ListingFactory(title="Горный велосипед Stels Navigator")
    ListingFactory(title="Диван угловой")
    assert client.get(COUNT, {"q": "велосипд"}).json()["count"] == 1
    assert client.get(SEARCH, {"q": "велосипд"}).context["result"].count == 1


def test_the_count_endpoint_caps_large_counts(client, monkeypatch):
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 2)
    ListingFactory.create_batch(4)
    body = client.get(COUNT_EN, **EN).json()
    assert body["estimate"] is True and body["count"] > 2
    assert body["label"] == "Show 2+ ads"


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"price_min": "abc"}, {"price_min"}),
        ({"city": "atlantis", "category": "nothing"}, {"city", "category"}),
        ({"price_min": "9", "price_max": "1"}, {"price_max"}),
        ({"has_photos": "maybe", "condition": "broken"}, {"has_photos", "condition"}),
        ({"q": "x" * 201}, {"q"}),
    ],
)
def test_the_count_endpoint_refuses_bad_input_per_field(client, params, fields):
    response = client.get(COUNT, params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields


def test_count_endpoint_query_count(client, django_assert_num_queries):
    # the city by slug; the planner's estimate; the capped exact count
    ListingFactory.create_batch(3)
    client.get(COUNT, {"city": "almaty"})
    with django_assert_num_queries(3):
        assert client.get(COUNT, {"city": "almaty"}).json()["count"] == 3
    ListingFactory.create_batch(20)
    with django_assert_num_queries(3):
        assert client.get(COUNT, {"city": "almaty"}).json()["count"] == 23


def test_search_page_with_chips_query_count(client, django_assert_num_queries, settings):
    # the city and the category by slug; estimate, capped count, page ids, page rows, covers
    # (what rendering costs: a page kept for anonymous visitors costs none, test_page_cache)
    settings.PAGE_CACHE_SECONDS = 0
    ListingFactory.create_batch(3)
    params = {"city": "almaty", "category": "bicycles", "price_max": "90000", "shown": "48"}
    client.get(SEARCH, params)
    with django_assert_num_queries(7):
        client.get(SEARCH, params)
    ListingFactory.create_batch(30)
    with django_assert_num_queries(7):
        assert len(cards(client.get(SEARCH, params).text)) == 33


@pytest.mark.parametrize("params", [{}, {"q": "велосипед"}], ids=["newest", "relevance"])
def test_show_more_leaves_a_url_that_renders_every_card_loaded(client, params):
    ListingFactory.create_batch(60)
    first = client.get(SEARCH, params).text
    loaded = cards(first)
    assert len(loaded) == 24
    for expected in (48, 60):
        more = unescape(
            re.search(r'hx-get="([^"]+)"[^>]*>(?:Show more|Показать ещё)', first).group(1)
        )
        response = client.get(more, **HTMX)
        assert "results__count" not in response.text
        loaded += cards(response.text)
        assert len(loaded) == len(set(loaded)) == expected
        state = response["HX-Replace-Url"]
        assert query(state) == {**{k: [v] for k, v in params.items()}, "shown": [str(expected)]}
        whole = client.get(state)  # a reload or Back: the same cards, in the same order
        assert cards(whole.text) == loaded
        first = whole.text
    assert "Show more" not in first and "Показать ещё" not in first


def test_show_more_without_js_is_a_link_to_the_longer_list(client):
    ListingFactory.create_batch(30)
    page = client.get(SEARCH, {"city": "almaty"}).text
    href = unescape(
        re.search(r'<div class="more" id="more">\s*<a[^>]*href="([^"]+)"', page).group(1)
    )
    assert query(href) == {"city": ["almaty"], "shown": ["48"]}
    assert len(cards(client.get(href).text)) == 30


@pytest.mark.parametrize("shown", ["abc", "-5", "0", "99999", "1e3"])
def test_a_mangled_shown_count_is_clamped_not_an_error(client, shown):
    ListingFactory.create_batch(3)
    response = client.get(SEARCH, {"shown": shown})
    assert response.status_code == 200 and len(cards(response.text)) == 3
