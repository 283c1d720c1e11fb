"""The acceptance story of trust and safety, through the paths people take: a scammer posts an
ad with his phone number in it (held by a rule), posts a clean one (live), writes to a buyer
with a fake delivery link (the buyer sees the phishing warning), three established users report
the clean ad (held), and a moderator bans him from the queue: his ads, profile, tokens and
socket are gone at once, and the audit log says who did it and why."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from chat.tests.test_consumers import next_of, open_socket
from listings.tests.test_api import NEW_AD
from moderation.models import AuditEntry, Ban

LISTINGS = "/api/v1/listings"
REPORTS = "/api/v1/reports"


def api_login(user) -> tuple[APIClient, dict]:
    tokens = APIClient().post(
        "/api/v1/users/login", {"login": user.email, "password": PASSWORD}, format="json"
    )
    assert tokens.status_code == 200, tokens.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    return api, tokens.json()


def established(**fields):
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **fields)


def posts_two_ads(scammer) -> dict:
    api, tokens = api_login(scammer)
    held = api.post(
        LISTINGS,
        {**NEW_AD, "description": "Оригинал, гарантия. Пишите в WhatsApp +7 701 555 44 33"},
    )
    assert held.status_code == 201, held.content
    assert held.json()["status"] == "on_review"
    assert held.json()["review_reasons"] == ["contacts"]
    clean = api.post(
        LISTINGS,
        {
            **NEW_AD,
            "title": "iPhone 15 Pro 256GB",
            "description": "Новый, запечатан, все цвета. Доставка по всему Казахстану.",
            "price": 180000,
        },
    )
    assert clean.status_code == 201, clean.content
    assert clean.json()["status"] == "active"
    visitor = APIClient()
    assert visitor.get(f"{LISTINGS}/{held.json()['id']}").status_code == 404
    found = visitor.get(LISTINGS, {"q": "iphone 15 pro"}).json()["results"]
    assert [ad["id"] for ad in found] == [clean.json()["id"]]
    return {"held": held.json()["id"], "clean": clean.json()["id"], "tokens": tokens}


def victim_writes_first(victim, listing_id: int, seller_id: int) -> int:
    api, _ = api_login(victim)
    started = api.post(f"/api/v1/chat/conversations/{listing_id}/{seller_id}")
    assert started.status_code in (200, 201), started.content
    return started.json()["id"]


def reported_three_times(listing_id: int) -> None:
    for n in range(3):
        api, _ = api_login(established())
        response = api.post(
            REPORTS,
            {
                "target_type": "listing",
                "target_id": listing_id,
                "reason": "fraud",
                "text": f"Просит предоплату на карту ({n})",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
    assert APIClient().get(f"{LISTINGS}/{listing_id}").status_code == 404
    assert APIClient().get(LISTINGS, {"q": "iphone 15 pro"}).json()["results"] == []


def moderator_bans_from_the_queue(listing_id: int, scammer) -> Client:
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    admin = Client()
    admin.force_login(moderator)
    queue = admin.get(reverse("admin:moderation_listingonreview_changelist"))
    assert queue.status_code == 200
    assert "iPhone 15 Pro 256GB" in queue.text and "Samsung Galaxy S21" in queue.text
    page = admin.get(reverse("admin:moderation_listingonreview_change", args=[listing_id]))
    assert "Просит предоплату на карту (0)" in page.text  # the reports' own words
    decided = admin.post(
        reverse("admin:moderation_listingonreview_decide", args=[listing_id]),
        {"decision": "ban", "ban-reason": "fraud", "ban-note": "Фишинговая ссылка в чате"},
    )
    assert decided.status_code == 302, decided.content
    ban = Ban.objects.get(user=scammer)
    assert (ban.banned_by, ban.reason, ban.lifted_at) == (moderator, "fraud", None)
    entry = AuditEntry.objects.get(action="ban", target_id=scammer.pk)
    assert entry.actor == moderator and "Фишинговая ссылка в чате" in entry.reason
    # his held ads leave the queue with him (lifting the ban would bring them back to it)
    queue = admin.get(reverse("admin:moderation_listingonreview_changelist"))
    assert "iPhone 15 Pro 256GB" not in queue.text and "Samsung Galaxy" not in queue.text
    return admin


def everything_is_gone(scammer, ads: dict) -> None:
    visitor = APIClient()
    for listing_id in (ads["held"], ads["clean"]):
        assert visitor.get(f"{LISTINGS}/{listing_id}").status_code == 404
        assert Client().get(reverse("listings:detail", args=[listing_id])).status_code == 404
    assert visitor.get(LISTINGS, {"q": "samsung iphone"}).json()["results"] == []
    assert Client().get(reverse("accounts:profile", args=[scammer.pk])).status_code == 404
    # his tokens are dead: the access token and the refresh token
    me = APIClient().get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {ads['tokens']['access']}")
    assert me.status_code == 401
    refreshed = APIClient().post(
        "/api/v1/users/token/refresh", {"refresh": ads["tokens"]["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    # and he cannot sign in again
    again = APIClient().post(
        "/api/v1/users/login", {"login": scammer.email, "password": PASSWORD}, format="json"
    )
    assert again.status_code == 403 and again.json()["code"] == "account_banned"


@pytest.mark.django_db(transaction=True)
async def test_a_scammer_is_held_reported_banned_and_gone_everywhere():
    scammer = await database_sync_to_async(established)()
    victim = await database_sync_to_async(established)()
    ads = await database_sync_to_async(posts_two_ads)(scammer)
    chat_id = await database_sync_to_async(victim_writes_first)(victim, ads["clean"], scammer.pk)

    # the chat: his fake delivery link reaches the victim with the strongest warning
    victim_socket = await open_socket(chat_id, victim)
    scammer_socket = await open_socket(chat_id, scammer)
    await scammer_socket.send_json_to(
        {"type": "message", "body": "Оформил доставку, оплатите тут: kaspi-kz.delivery/pay/8812"}
    )
    received = (await next_of(victim_socket, "message"))["message"]
    assert received["warning"] == "phishing"

    await database_sync_to_async(reported_three_times)(ads["clean"])
    await database_sync_to_async(moderator_bans_from_the_queue)(ads["clean"], scammer)

    # his open socket is closed after the ban's commit: nothing more reaches the victim
    closed = await scammer_socket.receive_output(timeout=3)
    while closed["type"] != "websocket.close":
        closed = await scammer_socket.receive_output(timeout=3)
    await database_sync_to_async(everything_is_gone)(scammer, ads)

    # the victim still reads the conversation, warning included
    history = await database_sync_to_async(
        lambda: api_login(victim)[0].get(f"/api/v1/chat/conversations/{chat_id}/messages").json()
    )()
    messages = history["results"] if isinstance(history, dict) else history
    assert [m["warning"] for m in messages] == ["phishing"]
    await victim_socket.disconnect()
