"""What a search shows signed-in viewers is made once and kept for the next ones
(listings.views.search_page): each still gets their own hearts, token and header, and a viewer
who blocked someone (or was blocked) gets their own results, without those people's ads."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from chat import services as chat_services
from listings import services
from listings.models import Listing
from listings.tests.factories import ListingFactory
from listings.tests.viewers import hearts, signed_in

pytestmark = pytest.mark.django_db

SEARCH = reverse("listings:search")
WORDS = {"q": "велосипед"}


def cards(page: str) -> set[int]:
    found = re.findall(r'<article class="ad-card">\s*<a[^>]*href="/ads/(\d+)-', page)
    return {int(pk) for pk in found}


@pytest.fixture
def bicycles() -> list[Listing]:
    return [ListingFactory(title=f"Велосипед Stels {n}") for n in range(3)]


def keep(params=WORDS, **headers) -> None:
    for _ in range(2):  # kept from the second time it is asked for
        signed_in(UserFactory()).get(SEARCH, params, **headers)


def test_each_viewer_gets_their_own_hearts_and_header_from_kept_results(bicycles):
    aigerim, bolat = UserFactory(name="Айгерим"), UserFactory(name="Болат")
    services.favorite_add(user=aigerim, listing=bicycles[1])
    keep()
    first = signed_in(aigerim).get(SEARCH, WORDS).text
    second = signed_in(bolat).get(SEARCH, WORDS).text
    assert "Айгерим" in first and "Айгерим" not in second and "Болат" in second
    assert hearts(first) == {ad.pk: ad == bicycles[1] for ad in bicycles}
    assert hearts(second) == {ad.pk: False for ad in bicycles}


def test_kept_results_cost_the_viewer_two_statements(bicycles, django_assert_num_queries):
    viewer = UserFactory()
    services.favorite_add(user=viewer, listing=bicycles[0])
    conversation, _ = chat_services.conversation_start(listing=bicycles[0], buyer=viewer)
    chat_services.message_send(
        conversation_id=conversation.pk, sender=bicycles[0].seller, body="Здравствуйте"
    )
    keep()
    client = signed_in(viewer)
    # session+user; the badges, the hearts and whether they have blocks
    with django_assert_num_queries(2) as queries:
        page = client.get(SEARCH, WORDS).text
    assert "listings_favorite" in queries.captured_queries[-1]["sql"]
    assert "chat_userblock" in queries.captured_queries[-1]["sql"]
    assert cards(page) == {ad.pk for ad in bicycles}
    assert hearts(page)[bicycles[0].pk] is True
    assert re.search(r'class="badge js-unread">1<', page)


@pytest.mark.parametrize("direction", ["blocked the seller", "blocked by the seller"])
def test_a_viewer_with_blocks_gets_their_own_results_and_does_not_keep_them(bicycles, direction):
    hidden, viewer = bicycles[0], UserFactory()
    if direction == "blocked the seller":
        chat_services.user_block(blocker=viewer, blocked=hidden.seller)
    else:
        chat_services.user_block(blocker=hidden.seller, blocked=viewer)
    theirs, everyones = {ad.pk for ad in bicycles[1:]}, {ad.pk for ad in bicycles}
    for _ in range(3):  # asked for again and again: theirs are not kept for others
        assert cards(signed_in(viewer).get(SEARCH, WORDS).text) == theirs
    assert cards(signed_in(UserFactory()).get(SEARCH, WORDS).text) == everyones
    keep()  # nor are they given those kept for the others
    assert cards(signed_in(viewer).get(SEARCH, WORDS).text) == theirs


def test_the_save_search_form_of_kept_results_takes_the_viewers_token(bicycles):
    keep()
    viewer = UserFactory()
    client = signed_in(viewer)
    page = client.get(SEARCH, WORDS).text
    form = re.search(r'<form method="post" action="/searches/[^"]*".*?</form>', page, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0)))
    fields["frequency"] = "daily"
    assert client.post(reverse("searches:create"), fields).status_code == 302
    assert viewer.saved_searches.get().params()["q"] == "велосипед"


def test_kept_results_follow_a_change_of_an_ad(bicycles, django_capture_on_commit_callbacks):
    keep()
    with django_capture_on_commit_callbacks(execute=True):  # the lists' generation moves on
        services.listing_update(
            listing_id=bicycles[0].pk, seller=bicycles[0].seller, title="Самокат Xiaomi"
        )
    page = signed_in(UserFactory()).get(SEARCH, WORDS).text
    assert cards(page) == {ad.pk for ad in bicycles[1:]}


def test_htmx_fragments_are_kept_apart_from_the_page(bicycles):
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
    keep()
    keep(**htmx)
    viewer = UserFactory()
    services.favorite_add(user=viewer, listing=bicycles[2])
    fragment = signed_in(viewer).get(SEARCH, WORDS, **htmx).text
    page = signed_in(viewer).get(SEARCH, WORDS).text
    assert fragment.lstrip().startswith('<div id="results"') and "<html" not in fragment
    assert "<html" in page and 'id="search-layout"' in page
    assert hearts(fragment) == hearts(page) == {ad.pk: ad == bicycles[2] for ad in bicycles}
