"""Regression tests for an independent review's findings: each one a request that once gave a
500, leaked an object, or did the wrong thing."""

import base64
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from chat import services as chat_services
from chat.tests.conftest import ORIGIN, session_cookie
from deals import services as deal_services
from deals.tests.conftest import delivery_for
from listings.models import Listing
from listings.tests.factories import ListingFactory
from zattar.asgi import application
from zattar.testing import api_for


@pytest.mark.django_db
def test_an_ad_bought_with_safe_deal_cannot_be_deleted_but_can_be_archived(client):
    listing = ListingFactory(price=10_000)
    deal = deal_services.deal_start(listing_id=listing.pk, buyer=UserFactory())
    deal_services.deal_transition(deal_id=deal.pk, target="CANCELLED", actor=deal.buyer, reason="x")
    response = api_for(listing.seller).delete(f"/api/v1/listings/{listing.pk}")
    assert response.status_code == 409 and response.json()["code"] == "listing_has_deals"
    client.force_login(listing.seller)
    page = client.post(reverse("listings:delete", args=[listing.pk]), follow=True)
    assert page.status_code == 200 and list(page.context["messages"])
    assert Listing.objects.filter(pk=listing.pk).exists()


@pytest.mark.django_db
def test_moderators_settle_disputes_from_the_deal_page(client, django_user_model):
    from django.contrib.auth.models import Permission

    listing = ListingFactory(price=10_000)
    deal = deal_services.deal_start(listing_id=listing.pk, buyer=UserFactory())
    deal_services.deal_transition(
        deal_id=deal.pk, target="DISPUTED", actor=deal.buyer, reason="Брак"
    )
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_safedeal"))
    client.force_login(moderator)
    page = client.get(reverse("deals:detail", args=[deal.pk]))
    assert 'name="note"' in page.text
    client.post(
        reverse("deals:transition", args=[deal.pk]),
        {"status": "COMPLETED", "note": "Товар исправен"},
    )
    deal.refresh_from_db()
    assert (deal.status, deal.resolution_note) == ("COMPLETED", "Товар исправен")


@pytest.mark.django_db
@pytest.mark.parametrize("key", [["cheap", float("inf"), 5], ["new", "2024-01-01T00:00:00", 1e400]])
def test_an_overflowing_cursor_shows_the_first_page(client, key):
    ListingFactory.create_batch(3)
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get("/search/", {"ordering": key[0], "cursor": cursor}, **headers)
        assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("price", ["9223372036854775808", str(10**12 + 1)])
def test_huge_prices_are_refused_with_a_message(client, price):
    assert APIClient().get("/api/v1/listings", {"price_min": price}).status_code == 400
    page = client.get("/search/", {"price_min": price})
    assert page.status_code == 200 and "price_min" in page.context["form"].errors


@pytest.mark.django_db
def test_one_bad_filter_keeps_the_others_and_shows_its_error(client):
    ListingFactory(title="Горный велосипед Stels Navigator")
    ListingFactory(title="Диван угловой раскладной")
    partial = client.get("/search/", {"q": "велосипед", "price_min": "abc"}, HTTP_HX_REQUEST="true")
    assert partial.context["result"].count == 1
    assert 'class="alert alert--error"' in partial.text


@pytest.mark.django_db
def test_superscript_digits_are_not_message_ids(client, people):
    chat = people["conversation"]
    api = api_for(people["buyer"])
    for name in ("before", "after"):
        assert (
            api.get(f"/api/v1/chat/conversations/{chat.pk}/messages", {name: "²"}).status_code
            == 400
        )
    client.force_login(people["buyer"])
    page = client.get(reverse("chat:conversation", args=[chat.pk]), {"before": "²"})
    assert page.status_code == 200 and "<html" in page.text


@pytest.mark.django_db(transaction=True)
async def test_a_superscript_after_on_the_socket_is_ignored(people):
    cookie = await database_sync_to_async(session_cookie)(people["buyer"])
    communicator = WebsocketCommunicator(
        application,
        f"/api/v1/ws/chat/{people['conversation'].pk}/?after=²",
        headers=[ORIGIN, cookie],
    )
    assert (await communicator.connect())[0]
    await communicator.send_json_to({"type": "message", "body": "Работает"})
    assert (await communicator.receive_json_from(timeout=3))["type"] == "message"
    await communicator.disconnect()


@pytest.mark.django_db
def test_strangers_cannot_probe_archived_ads_through_the_chat(client):
    archived = ListingFactory(status="archived")
    stranger = UserFactory()
    url = f"/api/v1/chat/conversations/{archived.pk}/{archived.seller_id}"
    assert api_for(stranger).post(url).status_code == 404
    assert api_for(stranger).post(f"/api/v1/chat/conversations/{archived.pk}/1").status_code == 404
    client.force_login(stranger)
    assert client.post(reverse("chat:start", args=[archived.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_next_never_leaves_the_site(client, target):
    listing = ListingFactory()
    client.force_login(listing.seller)
    response = client.post(
        reverse("listings:status", args=[listing.pk]), {"status": "archived", "next": target}
    )
    assert "evil.example" not in response.url
    client.force_login(UserFactory())
    response = client.post(
        reverse("listings:favorite", args=[ListingFactory().pk]), {"on": "1", "next": target}
    )
    assert "evil.example" not in response.url


@pytest.mark.django_db
@pytest.mark.parametrize("client_id", ['x"]', "a b", "я", "x" * 65, 42])
def test_client_ids_are_plain_tokens(people, client_id):
    from chat.errors import InvalidMessage

    with pytest.raises(InvalidMessage):
        chat_services.message_send(
            conversation_id=people["conversation"].pk,
            sender=people["buyer"],
            body="Привет",
            client_id=client_id,
        )


@pytest.mark.django_db
def test_the_buyer_pays_the_price_they_saw():
    listing = ListingFactory(price=10_000)
    api = api_for(UserFactory())
    changed = api.post(
        "/api/v1/safe-deals",
        {"listing_id": listing.pk, "delivery": delivery_for(listing), "amount": 9_000},
        format="json",
    )
    assert changed.status_code == 409 and changed.json()["price"] == 10_000
    started = api.post(
        "/api/v1/safe-deals",
        {"listing_id": listing.pk, "delivery": delivery_for(listing), "amount": 10_000},
        format="json",
    )
    assert started.status_code == 201
    raise_price = api_for(listing.seller).patch(
        f"/api/v1/listings/{listing.pk}", {"price": 20_000}, format="json"
    )
    assert raise_price.status_code == 409
    listing.refresh_from_db()
    assert listing.price == 10_000


@pytest.mark.django_db
def test_strangers_uploads_are_refused_before_they_are_decoded(monkeypatch):
    from listings import services as listing_services

    listing = ListingFactory()
    monkeypatch.setattr(
        listing_services,
        "photo_process",
        lambda upload: pytest.fail("a stranger's upload was decoded"),
    )
    response = api_for(UserFactory()).post(
        f"/api/v1/listings/{listing.pk}/images",
        {"image": upload(jpeg_with_gps())},
        format="multipart",
    )
    assert response.status_code == 403
