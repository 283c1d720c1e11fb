import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from chat import services
from chat.models import Conversation, Message
from listings.tests.factories import ListingFactory
from zattar.testing import api_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/chat/conversations"


def test_start_creates_once_then_returns_the_same(people):
    listing = ListingFactory()
    api = api_for(people["buyer"])
    first = api.post(f"{BASE}/{listing.pk}/{listing.seller_id}")
    assert first.status_code == 201
    again = api.post(f"{BASE}/{listing.pk}/{listing.seller_id}")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert first.json()["other"]["id"] == listing.seller_id


def test_start_refuses_the_wrong_seller_and_ones_own_ad(people):
    listing = ListingFactory()
    api = api_for(people["buyer"])
    wrong = api.post(f"{BASE}/{listing.pk}/{people['stranger'].pk}")
    assert wrong.status_code == 400 and wrong.json()["code"] == "cannot_start_conversation"
    own = api_for(listing.seller).post(f"{BASE}/{listing.pk}/{listing.seller_id}")
    assert own.status_code == 400
    assert api.post(f"{BASE}/999999/{listing.seller_id}").status_code == 404
    assert not Conversation.objects.filter(listing=listing).exists()


def test_strangers_and_anonymous_cannot_see_a_conversation(people):
    chat = people["conversation"]
    stranger = api_for(people["stranger"])
    assert stranger.get(f"{BASE}/{chat.pk}").status_code == 404
    assert stranger.get(f"{BASE}/{chat.pk}/messages").status_code == 404
    assert stranger.post(f"{BASE}/{chat.pk}/messages", {"body": "hi"}).status_code == 404
    assert APIClient().get(f"{BASE}").status_code == 401
    assert not Message.objects.exists()


def test_inbox_shows_last_message_and_unread_with_constant_queries(
    people, django_assert_num_queries
):
    chat = people["conversation"]
    services.message_send(conversation_id=chat.pk, sender=people["buyer"], body="Первое")
    services.message_send(conversation_id=chat.pk, sender=people["buyer"], body="Второе")
    for _ in range(5):  # more conversations, same number of queries
        other = ListingFactory(seller=people["seller"])
        c, _ = services.conversation_start(listing=other, buyer=UserFactory())
        services.message_send(conversation_id=c.pk, sender=c.buyer, body="Здравствуйте")
    api = api_for(people["seller"])
    with django_assert_num_queries(3):  # count, page with annotations, covers
        body = api.get(BASE).json()
    assert body["count"] == 6
    mine = next(c for c in body["results"] if c["id"] == chat.pk)
    assert mine["unread"] == 2 and mine["last_message"]["body"] == "Второе"
    assert mine["listing"]["title"] == people["listing"].title


def test_messages_post_and_pages_by_id(people, settings):
    settings.CHAT_FLOOD_LIMIT = 1000
    chat = people["conversation"]
    api = api_for(people["buyer"])
    ids = [
        api.post(f"{BASE}/{chat.pk}/messages", {"body": f"сообщение {n}"}).json()["id"]
        for n in range(55)
    ]
    latest = api.get(f"{BASE}/{chat.pk}/messages").json()
    assert [m["id"] for m in latest["results"]] == ids[5:]
    assert latest["previous"].endswith(f"?before={ids[5]}")
    older = api.get(f"{BASE}/{chat.pk}/messages", {"before": ids[5]}).json()
    assert [m["id"] for m in older["results"]] == ids[:5] and older["previous"] is None
    newer = api.get(f"{BASE}/{chat.pk}/messages", {"after": ids[49]}).json()
    assert [m["id"] for m in newer["results"]] == ids[50:]
    assert api.get(f"{BASE}/{chat.pk}/messages", {"after": "x"}).status_code == 400


def test_bad_bodies_and_flood_over_http(people, settings):
    chat = people["conversation"]
    api = api_for(people["buyer"])
    first = api.post(f"{BASE}/{chat.pk}/messages", {"body": "Раз", "client_id": "k"})
    again = api.post(f"{BASE}/{chat.pk}/messages", {"body": "Раз", "client_id": "k"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    Message.objects.all().delete()
    assert api.post(f"{BASE}/{chat.pk}/messages", {"body": "   "}).status_code == 400
    assert api.post(f"{BASE}/{chat.pk}/messages", {"body": "я" * 2001}).status_code == 400
    settings.CHAT_FLOOD_LIMIT = 3  # counted from saved messages: none now
    answers = [api.post(f"{BASE}/{chat.pk}/messages", {"body": "ещё"}) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    flooded = answers[-1]  # the one 429 of every limit: code, detail, retry_after, Retry-After
    assert set(flooded.json()) == {"detail", "code", "retry_after"}
    assert flooded.json()["code"] == "throttled"
    assert flooded["Retry-After"] == str(flooded.json()["retry_after"])
    assert Message.objects.count() == 3


def test_chat_endpoints_are_in_the_schema(client):
    schema = client.get("/api/v1/schema/").content.decode()
    for path in [
        "/api/v1/chat/conversations:",
        "/api/v1/chat/conversations/{listing_id}/{seller_id}:",
        "/api/v1/chat/conversations/{conversation_id}:",
        "/api/v1/chat/conversations/{conversation_id}/messages:",
    ]:
        assert path in schema
