"""One ban followed through every path a banned seller and the people around him take: his ads
leave search, the API, similar ads and favourites, his profile is gone, his session, tokens and
socket die, he cannot log in, his open Safe Deal waits for a moderator, and the audit log has it.
Lifting the ban brings back exactly what the ban hid."""

from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Session
from accounts.tests.factories import PASSWORD, UserFactory
from chat import services as chat_services
from chat.tests.test_consumers import open_socket
from chat.tests.test_signed_out import closes_signed_out
from deals import services as deal_services
from deals.models import EscrowEntry, SafeDeal
from deals.transitions import Status as DealStatus
from listings.models import Favorite, Listing
from listings.tests.factories import ListingFactory
from moderation.models import AuditEntry, Ban

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/api/v1/users/login"
REFRESH = "/api/v1/users/token/refresh"
ME = "/api/v1/users/me"


def api_login(user) -> APIClient:
    return APIClient().post(LOGIN, {"login": user.email, "password": PASSWORD}, format="json")


def ids_in_search() -> set[int]:
    response = Client().get(reverse("listings:search"))
    assert response.status_code == 200
    return {listing.pk for listing in response.context["result"].items}


def ids_in_api_list() -> set[int]:
    response = APIClient().get("/api/v1/listings", {"page_size": 100})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def ids_in_similar(w) -> set[int]:
    response = Client().get(w.neighbour_ad.get_absolute_url())
    assert response.status_code == 200
    return {listing.pk for listing in response.context["similar"]}


def ids_in_favourites(w) -> tuple[set[int], set[int]]:
    page = w.buyer_client.get(reverse("listings:favorites"))
    api = w.buyer_api.get("/api/v1/users/me/favorites")
    assert page.status_code == api.status_code == 200
    return {listing.pk for listing in page.context["page"]}, {
        row["id"] for row in api.json()["results"]
    }


def admin_action(w, action: str, **form):
    response = w.moderator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, "_selected_action": [w.seller.pk], **form},
    )
    assert response.status_code == 302, response.content
    return response


@database_sync_to_async
def set_the_scene() -> SimpleNamespace:
    seller, buyer = UserFactory(), UserFactory()
    ads = [ListingFactory(seller=seller), ListingFactory(seller=seller)]
    archived = ListingFactory(seller=seller, status=Listing.Status.ARCHIVED)
    on_review = ListingFactory(seller=seller, status=Listing.Status.ON_REVIEW)
    dealt = ListingFactory(seller=seller, price=90_000)
    deal = deal_services.deal_start(listing_id=dealt.pk, buyer=UserFactory())
    Favorite.objects.create(user=buyer, listing=ads[0])
    conversation, _ = chat_services.conversation_start(listing=ads[1], buyer=buyer)
    w = SimpleNamespace(
        seller=seller,
        buyer=buyer,
        ads=ads,
        ad_ids={ad.pk for ad in ads},
        archived=archived,
        on_review=on_review,
        dealt=dealt,
        deal=deal,
        conversation=conversation,
        neighbour_ad=ListingFactory(),  # another seller's bicycle: similar ads show his
        tokens=api_login(seller).json(),
        seller_client=Client(),
        buyer_client=Client(),
        buyer_api=APIClient(),
        moderator=UserFactory(is_staff=True, is_superuser=True),
        moderator_client=Client(),
    )
    w.seller_client.force_login(seller)
    w.buyer_client.force_login(buyer)
    w.buyer_api.force_authenticate(buyer)
    w.moderator_client.force_login(w.moderator)
    # Before: everything is where a visitor finds it (so that the checks below can fail).
    assert w.ad_ids <= ids_in_search() and w.ad_ids <= ids_in_api_list()
    assert w.ad_ids <= ids_in_similar(w)
    assert ids_in_favourites(w) == ({ads[0].pk}, {ads[0].pk})
    assert w.seller_client.get(reverse("listings:my_ads")).status_code == 200
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {w.tokens['access']}").status_code == 200
    return w


@database_sync_to_async
def ban_and_check(w) -> None:
    admin_action(w, "ban", reason=Ban.Reason.FRAUD, note="Предоплата на карту, три жалобы")
    seller = w.seller
    seller.refresh_from_db()
    assert not seller.is_active
    # His ads: gone from search, the API list and detail, similar ads, favourites.
    assert not w.ad_ids & ids_in_search()
    assert not w.ad_ids & ids_in_api_list()
    for ad in [*w.ads, w.dealt]:
        assert APIClient().get(f"/api/v1/listings/{ad.pk}").status_code == 404
        assert w.buyer_client.get(reverse("listings:detail", args=[ad.pk])).status_code == 404
    assert not w.ad_ids & ids_in_similar(w)
    assert ids_in_favourites(w) == (set(), set())
    assert Client().get(reverse("accounts:profile", args=[seller.pk])).status_code == 404
    # His session, tokens and logins.
    assert not Session.objects.filter(user=seller).exists()  # deleted, not just refused
    my_ads = w.seller_client.get(reverse("listings:my_ads"))
    assert my_ads.status_code == 302 and my_ads["Location"].startswith(reverse("accounts:login"))
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {w.tokens['access']}").status_code == 401
    assert APIClient().post(REFRESH, {"refresh": w.tokens["refresh"]}).status_code == 401
    refused = api_login(seller)
    assert refused.status_code == 403 and refused.json()["code"] == "account_banned"
    login_form = {"username": seller.phone, "password": PASSWORD}
    page = Client().post(reverse("accounts:login"), login_form)
    assert page.status_code == 200
    assert [e.code for e in page.context["form"].non_field_errors().as_data()] == ["account_banned"]
    assert not AccessAttempt.objects.exists()  # the right password was no failed guess
    sent = APIClient().post(
        f"/api/v1/chat/conversations/{w.conversation.pk}/messages",
        {"body": "Я снова здесь"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {w.tokens['access']}",
    )
    assert sent.status_code == 401
    # His open deal waits for a moderator, money held; the disputes queue lists it.
    w.deal.refresh_from_db()
    assert w.deal.status == DealStatus.DISPUTED
    assert not w.deal.ledger.exclude(kind=EscrowEntry.Kind.HOLD).exists()
    queue = w.moderator_client.get(
        reverse("admin:deals_safedeal_changelist"), {"queue": "disputes"}
    )
    assert [d.pk for d in queue.context["cl"].result_list] == [w.deal.pk]
    # The audit row.
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BAN, target_id=seller.pk)
    assert entry.actor == w.moderator
    assert entry.before["is_active"] is True
    assert set(entry.before["active_ads"]) == w.ad_ids
    assert set(entry.after["hidden_ads"]) == w.ad_ids
    assert entry.after["disputed_deals"] == [w.deal.pk]
    assert "Предоплата" in entry.reason


@database_sync_to_async
def unban_and_check(w) -> None:
    admin_action(w, "lift_ban")
    assert w.ad_ids <= ids_in_search()
    assert w.ad_ids <= ids_in_api_list()
    statuses = dict(Listing.objects.filter(seller=w.seller).values_list("pk", "status"))
    assert statuses[w.archived.pk] == Listing.Status.ARCHIVED
    assert statuses[w.on_review.pk] == Listing.Status.ON_REVIEW
    assert statuses[w.dealt.pk] == Listing.Status.RESERVED
    assert SafeDeal.objects.get(pk=w.deal.pk).status == DealStatus.DISPUTED
    assert api_login(w.seller).status_code == 200
    assert Client().get(reverse("accounts:profile", args=[w.seller.pk])).status_code == 200
    # What the ban ended stays ended: the old session and the old refresh token.
    my_ads = w.seller_client.get(reverse("listings:my_ads"))
    assert my_ads.status_code == 302
    assert APIClient().post(REFRESH, {"refresh": w.tokens["refresh"]}).status_code == 401
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UNBAN).count() == 1
    assert Ban.objects.get(user=w.seller).lifted_by == w.moderator


async def test_a_ban_takes_effect_everywhere_and_lifting_it_restores_what_it_hid():
    w = await set_the_scene()
    seller_socket = await open_socket(w.conversation.pk, w.seller)
    await ban_and_check(w)
    await closes_signed_out(seller_socket)  # his open chat socket is closed, sends go nowhere
    await unban_and_check(w)
