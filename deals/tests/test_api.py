import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from deals.tests.conftest import DETAILS, delivery_for
from listings.tests.factories import ListingFactory
from zattar.testing import api_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/safe-deals"


def test_a_whole_deal_over_the_api():
    listing, buyer = ListingFactory(price=80_000), UserFactory()
    buyer_api, seller_api = api_for(buyer), api_for(listing.seller)
    started = buyer_api.post(
        BASE, {"listing_id": listing.pk, "delivery": delivery_for(listing)}, format="json"
    )
    assert started.status_code == 201
    deal = started.json()
    assert (deal["status"], deal["amount"]) == ("PENDING", 80_000)
    assert deal["allowed_transitions"] == ["CANCELLED", "DISPUTED"]
    assert seller_api.get(f"{BASE}/{deal['id']}").json()["allowed_transitions"] == [
        "SHIPPED",
        "CANCELLED",
        "DISPUTED",
    ]
    shipped = seller_api.post(
        f"{BASE}/{deal['id']}/transition",
        {"status": "SHIPPED", "tracking_number": "KZ1", "carrier": "CDEK"},
    )
    assert shipped.status_code == 200 and shipped.json()["status"] == "SHIPPED"
    done = buyer_api.post(f"{BASE}/{deal['id']}/transition", {"status": "COMPLETED"})
    body = done.json()
    assert body["status"] == "COMPLETED"
    assert [e["target"] for e in body["events"]] == ["PENDING", "SHIPPED", "COMPLETED"]
    assert [e["kind"] for e in body["ledger"]] == ["HOLD", "RELEASE"]
    review = buyer_api.post(f"{BASE}/{deal['id']}/review", {"rating": 5, "text": "Спасибо!"})
    assert review.status_code == 201
    assert buyer_api.get(f"{BASE}/buyer/deals").json()["count"] == 1
    assert seller_api.get(f"{BASE}/seller/deals").json()["results"][0]["id"] == deal["id"]
    assert buyer_api.get(f"{BASE}/seller/deals").json()["count"] == 0


def test_forbidden_moves_wrong_roles_strangers_and_missing_details(deal):
    buyer_api = api_for(deal.buyer)
    conflict = buyer_api.post(f"{BASE}/{deal.pk}/transition", {"status": "COMPLETED"})
    assert conflict.status_code == 409
    assert conflict.json()["allowed_transitions"] == ["CANCELLED", "DISPUTED"]
    assert conflict.json()["detail"]
    wrong_role = buyer_api.post(f"{BASE}/{deal.pk}/transition", {"status": "SHIPPED", **DETAILS})
    assert wrong_role.status_code == 403
    missing = api_for(deal.seller).post(f"{BASE}/{deal.pk}/transition", {"status": "SHIPPED"})
    assert missing.status_code == 400 and missing.json()["fields"] == ["carrier", "tracking_number"]
    no_reason = buyer_api.post(f"{BASE}/{deal.pk}/transition", {"status": "CANCELLED"})
    assert no_reason.status_code == 400
    assert buyer_api.post(f"{BASE}/{deal.pk}/transition", {"status": "FLYING"}).status_code == 400
    stranger = api_for(UserFactory())
    assert stranger.get(f"{BASE}/{deal.pk}").status_code == 404
    assert (
        stranger.post(
            f"{BASE}/{deal.pk}/transition", {"status": "CANCELLED", "reason": "x"}
        ).status_code
        == 404
    )
    assert APIClient().get(f"{BASE}/{deal.pk}").status_code == 401
    deal.refresh_from_db()
    assert deal.status == "PENDING"


def test_start_refusals(deal):
    api = api_for(UserFactory())
    assert (
        api.post(
            BASE,
            {"listing_id": deal.listing_id, "delivery": delivery_for(deal.listing)},
            format="json",
        ).status_code
        == 409
    )
    own = ListingFactory(price=100)
    assert (
        api_for(own.seller)
        .post(BASE, {"listing_id": own.pk, "delivery": delivery_for(own)}, format="json")
        .status_code
        == 400
    )
    assert (
        api.post(
            BASE, {"listing_id": 999999, "delivery": delivery_for(deal.listing)}, format="json"
        ).status_code
        == 404
    )
    assert api.post(BASE, {}, format="json").status_code == 400


def test_deal_lists_are_paginated_with_constant_queries(django_assert_num_queries):
    from deals import services

    buyer = UserFactory()
    for _ in range(6):
        services.deal_start(listing_id=ListingFactory(price=500).pk, buyer=buyer)
    with django_assert_num_queries(2):  # count, page (ad and people joined)
        body = api_for(buyer).get(f"{BASE}/buyer/deals", {"page_size": 4}).json()
    assert body["count"] == 6 and len(body["results"]) == 4 and body["next"]


def test_safe_deal_endpoints_are_in_the_schema(client):
    schema = client.get("/api/v1/schema/").content.decode()
    for path in [
        "/api/v1/safe-deals:",
        "/api/v1/safe-deals/{deal_id}:",
        "/api/v1/safe-deals/{deal_id}/transition:",
        "/api/v1/safe-deals/buyer/deals:",
        "/api/v1/safe-deals/seller/deals:",
        "/api/v1/safe-deals/{deal_id}/review:",
    ]:
        assert path in schema
