"""Pages kept for anonymous visitors (zattar.page_cache): served without a query, each with its
own CSRF token and CSP nonce, never to a signed-in visitor, and made again as soon as an ad
changes."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, RequestFactory

from accounts.tests.factories import UserFactory
from listings import services
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
SET_LANGUAGE = "/i18n/setlang/"


def shows_price(thousands: str, page: str) -> bool:
    return re.search(rf"{thousands}\s000\s₸", page) is not None  # spaced as tenge() does


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


def csrf_of(response) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', response.text).group(1)


@pytest.mark.parametrize("page", ["home", "search", "ad"])
def test_a_kept_page_costs_no_query_and_gets_its_own_token_and_nonce(
    page, django_assert_num_queries
):
    listing = ListingFactory(title="Велосипед Stels Navigator")
    path, params = {
        "home": ("/", {}),
        "search": (SEARCH, {"q": "велосипед"}),
        "ad": (listing.get_absolute_url(), {}),
    }[page]
    first = Client().get(path, params)
    Client().get(path, params)  # asked for a second time: kept from now on
    with django_assert_num_queries(0):
        kept = Client().get(path, params)
    assert kept.status_code == 200
    assert "Велосипед Stels Navigator" in kept.text
    for response in (first, kept):
        assert "zattar-csrf-" not in response.text and "zattar-nonce-" not in response.text
        nonce = nonce_of(response)
        assert re.findall(r'<script[^>]*nonce="([^"]+)"', response.text)
        assert set(re.findall(r'<script[^>]*nonce="([^"]+)"', response.text)) == {nonce}
    assert nonce_of(first) != nonce_of(kept)


def test_the_token_on_a_kept_page_is_accepted_by_a_form():
    ListingFactory(title="Велосипед Stels Navigator")
    for _ in range(2):  # others made the page and it is kept
        Client().get(SEARCH, {"q": "велосипед"})
    visitor = Client(enforce_csrf_checks=True)
    kept = visitor.get(SEARCH, {"q": "велосипед"})
    assert "csrftoken" in kept.cookies  # the token's cookie comes with it, as when rendered
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', kept.text).group(1)
    form = {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    assert visitor.post(SET_LANGUAGE, form).status_code == 302
    # htmx sends the body's token as a header
    assert (
        visitor.post(
            SET_LANGUAGE, form | {"csrfmiddlewaretoken": ""}, headers={"X-CSRFToken": csrf_of(kept)}
        ).status_code
        == 302
    )
    # the token belongs to the visitor's cookie
    assert Client(enforce_csrf_checks=True).post(SET_LANGUAGE, form).status_code == 403


def test_a_change_to_an_ad_shows_on_the_next_page_view(django_capture_on_commit_callbacks):
    listing = ListingFactory(title="Велосипед Stels Navigator", price=125_000)
    ad_page = listing.get_absolute_url()
    assert shows_price("125", Client().get(ad_page).text)
    assert shows_price("125", Client().get(SEARCH, {"q": "велосипед"}).text)
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_update(listing_id=listing.pk, seller=listing.seller, price=99_000)
    assert shows_price("99", Client().get(ad_page).text)
    assert shows_price("99", Client().get(SEARCH, {"q": "велосипед"}).text)
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_set_status(listing_id=listing.pk, seller=listing.seller, status="sold")
    assert 'id="ad-ended"' in Client().get(ad_page).text
    assert "Stels Navigator" not in Client().get(SEARCH, {"q": "велосипед"}).text


def test_a_signed_in_visitor_is_never_served_a_kept_page():
    ListingFactory(title="Велосипед Stels Navigator")
    Client().get(SEARCH, {"q": "велосипед"})
    user = UserFactory(name="Айгерим")
    signed_in = Client()
    signed_in.force_login(user)
    response = signed_in.get(SEARCH, {"q": "велосипед"})
    assert "Айгерим" in response.text
    # and what a signed-in visitor is shown is not kept for the others
    assert "Айгерим" not in Client().get(SEARCH, {"q": "велосипед"}).text


def test_a_visitor_with_a_message_waiting_gets_it():
    Client().get("/")
    visitor = Client()
    storage = CookieStorage(RequestFactory().get("/"))
    visitor.cookies[CookieStorage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "Ваш пароль изменён")]
    )
    assert "Ваш пароль изменён" in visitor.get("/").text
    assert "Ваш пароль изменён" not in Client().get("/").text


def test_fragments_and_languages_are_kept_apart():
    ListingFactory(title="Велосипед Stels Navigator")
    page = Client().get(SEARCH, {"q": "велосипед"}).text
    fragment = (
        Client()
        .get(SEARCH, {"q": "велосипед"}, headers={"HX-Request": "true", "HX-Target": "results"})
        .text
    )
    english = Client().get("/en" + SEARCH, {"q": "велосипед"}).text
    assert "<html" in page and "<html" not in fragment
    assert 'lang="ru"' in page and 'lang="en"' in english
    assert "<html" in Client().get(SEARCH, {"q": "велосипед"}).text


def test_a_page_asked_for_once_is_not_kept(
    django_assert_num_queries, django_assert_max_num_queries
):
    ListingFactory(title="Велосипед Stels Navigator")
    Client().get(SEARCH, {"q": "stels"})
    with django_assert_max_num_queries(20) as rendered:
        Client().get(SEARCH, {"q": "stels"})
    assert len(rendered) > 0
    with django_assert_num_queries(0):
        Client().get(SEARCH, {"q": "stels"})


def test_every_viewer_of_a_kept_ad_page_is_counted_once():
    listing = ListingFactory()
    for agent in ("phone", "laptop", "phone", "tablet"):
        assert (
            Client(headers={"User-Agent": agent}).get(listing.get_absolute_url()).status_code == 200
        )
    services.listing_views_flush()
    listing.refresh_from_db()
    assert listing.view_count == 3


def test_text_shaped_like_a_mark_is_shown_as_written():
    """The marks are random for each render: text that looks like one (in an ad, in the URL)
    is never replaced with a visitor's token or nonce."""
    lookalike = "zattar-csrf-0123456789abcdef01234567 zattar-nonce-0123456789abcdef01234567"
    listing = ListingFactory(title="Велосипед Stels", description=lookalike)
    for _ in range(3):
        page = Client().get(listing.get_absolute_url(), {"q": lookalike}).text
        assert page.count(lookalike) >= 2  # the description and the search box
