"""What a verified phone opens (posting ads, Safe Deals) and "Show phone" on ads and profiles."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PhoneReveal
from accounts.tests.factories import UserFactory
from deals.models import SafeDeal
from deals.tests.conftest import delivery_for
from listings.models import Listing
from listings.tests.factories import ListingFactory
from listings.tests.test_api import NEW_AD

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    client.force_authenticate(user)
    return client


def reveal_url(user) -> str:
    return f"/api/v1/users/{user.pk}/phone/reveal"


# --- What needs a verified phone ----------------------------------------------------------------


def test_posting_an_ad_unverified_is_403_with_the_page_to_verify():
    response = api_for(UserFactory(unverified=True)).post("/api/v1/listings", NEW_AD, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "phone_unverified"
    assert response.json()["verify_url"] == "/accounts/phone/"
    assert not Listing.objects.exists()
    assert api_for(UserFactory()).post("/api/v1/listings", NEW_AD, format="json").status_code == 201


def test_the_post_an_ad_page_sends_the_unverified_to_the_phone_page(client):
    client.force_login(UserFactory(unverified=True))
    for response in [client.get("/ads/new/"), client.post("/ads/new/", NEW_AD)]:
        assert response.status_code == 302
        assert response.url == "/accounts/phone/?next=%2Fads%2Fnew%2F"
    assert not Listing.objects.exists()


def test_starting_a_safe_deal_unverified_is_403(client):
    listing = ListingFactory()
    buyer = UserFactory(unverified=True)
    response = api_for(buyer).post(
        "/api/v1/safe-deals",
        {"listing_id": listing.pk, "delivery": delivery_for(listing)},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "phone_unverified")
    client.force_login(buyer)
    response = client.post(f"/deals/buy/{listing.pk}/", {"amount": listing.price})
    assert response.status_code == 302 and response.url.startswith("/accounts/phone/?next=")
    assert not SafeDeal.objects.exists()
    listing.refresh_from_db()
    assert listing.status == "active"


# --- Show phone ------------------------------------------------------------------------------


@pytest.fixture
def shown():
    """An ad whose seller chose to show the phone."""
    return ListingFactory(seller=UserFactory(show_phone=True, phone="+77075550101"))


FORMS_OF_THE_NUMBER = ["+77075550101", "707 555 0101", "7075550101", "555 0101"]


def test_the_number_is_in_no_page_or_api_before_the_reveal(client, shown):
    viewer = UserFactory()
    client.force_login(viewer)
    api = api_for(viewer)
    answers = [
        client.get(f"/ads/{shown.pk}/", follow=True).content.decode(),
        client.get(f"/accounts/users/{shown.seller.pk}/").content.decode(),
        api.get("/api/v1/listings").content.decode(),
        api.get(f"/api/v1/listings/{shown.pk}").content.decode(),
    ]
    assert f"/accounts/users/{shown.seller.pk}/phone/reveal/" in answers[0]
    for text in answers:
        for form in FORMS_OF_THE_NUMBER:
            assert form not in text


def test_a_verified_viewer_reveals_the_number_and_it_is_logged(shown):
    viewer = UserFactory()
    response = api_for(viewer).post(
        reveal_url(shown.seller), {"listing_id": shown.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"phone": "+77075550101", "phone_display": "+7 707 555 0101"}
    [log] = PhoneReveal.objects.all()
    assert (log.viewer, log.seller, log.listing, log.ip) == (
        viewer,
        shown.seller,
        shown,
        "10.0.0.7",
    )


def test_the_ad_page_button_shows_the_number_by_htmx(client, shown):
    client.force_login(UserFactory())
    response = client.post(
        f"/accounts/users/{shown.seller.pk}/phone/reveal/",
        {"listing": shown.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'href="tel:+77075550101"' in response.content.decode()
    assert PhoneReveal.objects.get().listing == shown


def test_an_unverified_or_anonymous_viewer_gets_no_number(client, shown):
    response = api_for(UserFactory(unverified=True)).post(reveal_url(shown.seller))
    assert (response.status_code, response.json()["code"]) == (403, "phone_unverified")
    assert APIClient().post(reveal_url(shown.seller)).status_code == 401
    assert client.post(f"/accounts/users/{shown.seller.pk}/phone/reveal/").status_code == 302
    assert not PhoneReveal.objects.exists()


def test_a_chat_only_seller_has_no_number_to_reveal(client):
    seller = ListingFactory().seller  # chat only: the default
    response = api_for(UserFactory()).post(reveal_url(seller))
    assert (response.status_code, response.json()["code"]) == (404, "phone_hidden")
    client.force_login(UserFactory())
    page = client.get(f"/ads/{ListingFactory(seller=seller).pk}/", follow=True).content.decode()
    assert f"/accounts/users/{seller.pk}/phone/reveal/" not in page
    assert not PhoneReveal.objects.exists()


def test_twenty_sellers_a_day_then_429_seeing_one_again_is_free(settings):
    viewer = UserFactory()
    sellers = UserFactory.create_batch(21, show_phone=True)
    api = api_for(viewer)
    for seller in sellers[:20]:
        assert api.post(reveal_url(seller)).status_code == 200
    response = api.post(reveal_url(sellers[20]))
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and response.json()["retry_after"] > 0
    assert api.post(reveal_url(sellers[0])).status_code == 200  # seen today already
    assert PhoneReveal.objects.filter(viewer=viewer).count() == 21
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert api.post(reveal_url(sellers[20])).status_code == 200


def test_the_seller_chooses_show_phone_in_the_api_and_the_profile_page(client):
    seller = UserFactory()
    response = api_for(seller).patch("/api/v1/users/me", {"show_phone": True}, format="json")
    assert response.status_code == 200 and response.json()["show_phone"] is True
    client.force_login(seller)
    response = client.post("/accounts/profile/", {"name": seller.name, "show_phone": "False"})
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.show_phone is False


def test_the_ad_page_and_profile_show_phone_verified():
    listing = ListingFactory()
    unverified = UserFactory(unverified=True)
    client = APIClient()
    ad_page = client.get(f"/ads/{listing.pk}/", follow=True).content.decode()
    verified_profile = client.get(f"/accounts/users/{listing.seller.pk}/").content.decode()
    other_profile = client.get(f"/accounts/users/{unverified.pk}/").content.decode()
    assert "tag--verified" in ad_page and "tag--verified" in verified_profile
    assert "tag--verified" not in other_profile


def test_moderators_read_the_reveal_log_and_cannot_change_it(client, shown):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    api_for(UserFactory()).post(reveal_url(shown.seller), {"listing_id": shown.pk}, format="json")
    log = PhoneReveal.objects.get()
    assert client.get("/admin/accounts/phonereveal/").status_code == 200
    page = client.get(f"/admin/accounts/phonereveal/{log.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/accounts/phonereveal/{log.pk}/delete/").status_code == 403
