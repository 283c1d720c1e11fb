"""A sample of every query class of the relevance set (bench/relevance_data.py), through the API
and the search page people use: the ads each query must find are found, and a rewritten query
says what it searched for."""

import pytest

from bench.relevance_data import CONCEPTS, Query, generated_ads, queries
from listings.models import Category
from listings.rewrites import kazakh_stem, layout_swaps, transliterate
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

SAMPLE_CONCEPTS = {"велосипед", "холодильник", "iphone", "samsung", "көйлек", "пәтер", "toyota"}
PER_CLASS = 3


@pytest.fixture
def catalogue() -> dict[int, str]:
    wanted = [c for c in CONCEPTS if c.word in SAMPLE_CONCEPTS]
    ads = [ad for ad in generated_ads() if any(c.category == ad["category"] for c in wanted)]
    texts = {}
    for ad in ads:
        category = Category.objects.get(slug=ad["category"])
        listing = ListingFactory(
            title=ad["title"], description=ad["description"], category=category, price=ad["price"]
        )
        texts[listing.pk] = f"{listing.title}\n{listing.description}"
    return texts


def sample() -> list[Query]:
    chosen, per_class = [], {}
    for query in queries():
        concept_words = {c.word for c in CONCEPTS if c.pattern in query.patterns}
        if concept_words & SAMPLE_CONCEPTS and per_class.get(query.cls, 0) < PER_CLASS:
            per_class[query.cls] = per_class.get(query.cls, 0) + 1
            chosen.append(query)
    return chosen


def test_the_sample_covers_every_class():
    assert {q.cls for q in sample()} == {q.cls for q in queries()}
    assert len(queries()) >= 200


@pytest.mark.parametrize("query", sample(), ids=lambda q: f"{q.cls}:{q.q}")
def test_api_finds_the_ads_each_query_must_find(client, catalogue, query):
    relevant = {pk for pk, text in catalogue.items() if query.relevant(text)}
    assert relevant, query
    response = client.get("/api/v1/listings", {"q": query.q, "page_size": 20})
    assert response.status_code == 200
    found = {row["id"] for row in response.json()["results"]}
    assert relevant <= found, (query, response.json()["corrected_query"])
    assert found <= relevant  # nothing else in this small catalogue


def test_search_page_says_what_it_searched_for(client, catalogue):
    response = client.get("/search/", {"q": "dtkjcbgtl"})
    assert response.status_code == 200
    assert response.context["result"].corrected_query == "велосипед"
    assert "dtkjcbgtl" in response.text and "«велосипед»" in response.text
    assert response.text.count('class="ad-card"') == 6


@pytest.mark.parametrize(
    ("typed", "meant"),
    # as the issue spells them: "ршзрщту" has a stray key, which the vocabulary then corrects
    [
        ("ршзрщту", "iphone"),
        ("айфон", "iphone"),
        ("самсунг", "samsung"),
        ("velosiped", "велосипед"),
    ],
)
def test_the_issues_examples_find_what_was_meant(client, catalogue, typed, meant):
    response = client.get("/api/v1/listings", {"q": typed})
    assert response.json()["corrected_query"] == meant
    titles = [row["title"].lower() for row in response.json()["results"]]
    assert len(titles) == 6 and all(meant in title for title in titles)


def test_a_query_that_finds_enough_as_typed_is_not_rewritten(client, catalogue):
    response = client.get("/api/v1/listings", {"q": "велосипед"})
    assert response.json()["corrected_query"] == ""
    assert len(response.json()["results"]) == 6


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("dtkjcbgtl", "велосипед"), ("шзрщту", "iphone"), ("r-qktr", "көйлек")],
)
def test_layout_swaps(typed, meant):
    assert meant in layout_swaps(typed)


@pytest.mark.parametrize(
    ("word", "stem"),
    [("көйлектер", "көйлек"), ("күшіктері", "күшік"), ("пәтерге", "пәтер"), ("көйлек", "көйлек")],
)
def test_kazakh_stem(word, stem):
    assert kazakh_stem(word) == stem


def test_transliteration_both_ways():
    assert transliterate("velosiped") == "велосипед"
    assert transliterate("самсунг") == "samsung"
