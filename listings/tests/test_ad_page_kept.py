"""The ad page's parts are rendered once and kept for its visitors (listings.views.detail): each
visitor still gets their own hearts, token, phone button and header; its seller their own page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from listings import services
from listings.tests.factories import ListingFactory
from listings.tests.viewers import hearts, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ad():
    listing = ListingFactory(title="Велосипед Stels Navigator")
    ListingFactory.create_batch(2, category=listing.category)  # similar ads, with hearts
    return listing


def test_each_viewer_gets_their_own_hearts_from_the_kept_page(ad):
    aigerim, bolat = UserFactory(name="Айгерим"), UserFactory(name="Болат")
    services.favorite_add(user=aigerim, listing=ad)
    for _ in range(2):  # kept from the second visit on
        Client().get(ad.get_absolute_url())
    first = signed_in(aigerim).get(ad.get_absolute_url()).text
    second = signed_in(bolat).get(ad.get_absolute_url()).text
    assert "Айгерим" in first and "Болат" in second
    assert hearts(first)[ad.pk] is True and hearts(second)[ad.pk] is False
    assert len(hearts(first)) == 3 and sum(hearts(first).values()) == 1


def test_a_heart_from_a_kept_page_turns_on(ad):
    bolat = UserFactory()
    for _ in range(2):
        signed_in(UserFactory()).get(ad.get_absolute_url())
    client = signed_in(bolat)
    page = client.get(ad.get_absolute_url()).text
    form = re.search(rf'action="/ads/{ad.pk}/favorite/".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert client.post(f"/ads/{ad.pk}/favorite/", fields).status_code == 302
    assert hearts(client.get(ad.get_absolute_url()).text)[ad.pk] is True


def test_the_seller_gets_their_own_page_not_the_kept_one(ad):
    for _ in range(2):
        signed_in(UserFactory()).get(ad.get_absolute_url())
    page = signed_in(ad.seller).get(ad.get_absolute_url()).text
    assert f'href="{reverse("listings:edit", args=[ad.pk])}"' in page
    assert 'id="contact-actions"' not in page
    assert 'id="contact-actions"' in signed_in(UserFactory()).get(ad.get_absolute_url()).text


@pytest.mark.parametrize(
    "viewer", ["anonymous", "unverified", "verified"], ids=lambda viewer: viewer
)
def test_show_phone_is_the_one_for_the_kind_of_viewer(viewer):
    ad = ListingFactory(seller=UserFactory(show_phone=True))
    people = {
        "anonymous": lambda: Client(),
        "unverified": lambda: signed_in(UserFactory(unverified=True)),
        "verified": lambda: signed_in(UserFactory()),
    }
    for make in people.values():  # every kind's page kept
        for _ in range(2):
            make().get(ad.get_absolute_url())
    page = people[viewer]().get(ad.get_absolute_url()).text
    button = re.search(r'id="phone-reveal-\d+">(.*?)</div>', page, re.S).group(1)
    if viewer == "verified":
        assert f'action="{reverse("accounts:phone_reveal", args=[ad.seller.pk])}"' in button
    else:
        page_to_go = reverse("accounts:login" if viewer == "anonymous" else "accounts:phone")
        assert f'href="{page_to_go}?next=' in button and "<form" not in button


def test_the_sellers_own_visits_do_not_make_what_the_others_see():
    """The seller is a verified viewer too: a page made from their visit would lack "Show
    phone" (never shown to the seller) for every verified buyer."""
    ad = ListingFactory(seller=UserFactory(show_phone=True))
    seller = signed_in(ad.seller)
    for _ in range(3):
        assert (
            f'href="{reverse("listings:edit", args=[ad.pk])}"'
            in seller.get(ad.get_absolute_url()).text
        )
    page = signed_in(UserFactory()).get(ad.get_absolute_url()).text
    assert f'action="{reverse("accounts:phone_reveal", args=[ad.seller.pk])}"' in page


def test_the_viewers_hearts_and_badges_are_one_statement(ad, django_assert_num_queries):
    from chat import services as chat_services

    viewer = UserFactory()
    services.favorite_add(user=viewer, listing=ad)
    conversation, _ = chat_services.conversation_start(listing=ad, buyer=viewer)
    for body in ("Здравствуйте", "Да, ещё продаётся"):
        chat_services.message_send(conversation_id=conversation.pk, sender=ad.seller, body=body)
    for _ in range(2):  # the parts kept
        signed_in(UserFactory()).get(ad.get_absolute_url())
    client = signed_in(viewer)
    # session+user, and one statement: the two badges and the three ads' hearts
    with django_assert_num_queries(2) as queries:
        page = client.get(ad.get_absolute_url()).text
    assert "accounts_user" in queries.captured_queries[0]["sql"]
    assert "listings_favorite" in queries.captured_queries[-1]["sql"]
    assert hearts(page) == {ad.pk: True, **{pk: False for pk in hearts(page) if pk != ad.pk}}
    assert re.search(r'class="badge js-unread">2<', page)
