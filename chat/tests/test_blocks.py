"""Blocking a person: no new messages either way (API, socket, page), the conversation says so
and stays readable, neither sees the other's ads in search, and unblocking restores it all."""

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from accounts.tests.factories import UserFactory
from chat import services
from chat.models import Message, UserBlock
from chat.tests.test_consumers import next_of, open_socket
from listings.tests.factories import ListingFactory
from zattar.testing import api_for

pytestmark = pytest.mark.django_db

BLOCK = "/api/v1/users/{}/block"
BLOCKED = "/api/v1/users/me/blocked"


def messages_url(conversation) -> str:
    return f"/api/v1/chat/conversations/{conversation.pk}/messages"


def test_block_unblock_and_list_through_the_api(people):
    seller, buyer, stranger = people["seller"], people["buyer"], people["stranger"]
    api = api_for(seller)
    first = api.post(BLOCK.format(buyer.pk))
    assert first.status_code == 201
    assert first.json()["user"] == {"id": buyer.pk, "name": buyer.name}
    assert api.post(BLOCK.format(buyer.pk)).status_code == 200  # again: nothing changes
    assert api.post(BLOCK.format(stranger.pk)).status_code == 201
    listed = api.get(BLOCKED).json()
    assert listed["count"] == 2
    assert [row["user"]["id"] for row in listed["results"]] == [stranger.pk, buyer.pk]
    assert api_for(buyer).get(BLOCKED).json()["count"] == 0  # being blocked is not blocking

    assert api.delete(BLOCK.format(buyer.pk)).status_code == 204
    assert api.delete(BLOCK.format(buyer.pk)).status_code == 204  # not blocked: still fine
    assert [row["user"]["id"] for row in api.get(BLOCKED).json()["results"]] == [stranger.pk]


def test_blocking_oneself_or_nobody_is_refused(people):
    api = api_for(people["seller"])
    me = api.post(BLOCK.format(people["seller"].pk))
    assert me.status_code == 400 and me.json()["code"] == "cannot_block"
    nobody = api.post(BLOCK.format(10**9))
    assert nobody.status_code == 404 and nobody.json()["code"] == "not_found"
    assert api.delete(BLOCK.format(10**9)).status_code == 404
    assert api.get("/api/v1/users/me/blocked").status_code == 200
    from rest_framework.test import APIClient

    assert APIClient().post(BLOCK.format(people["buyer"].pk)).status_code == 401
    assert not UserBlock.objects.exists()


def test_the_blocked_list_has_constant_queries(people, django_assert_num_queries):
    for _ in range(4):
        services.user_block(blocker=people["seller"], blocked=UserFactory())
    api = api_for(people["seller"])
    with django_assert_num_queries(2):  # count, page with the people joined
        assert api.get(BLOCKED).json()["count"] == 4


@pytest.mark.parametrize("blocker", ["seller", "buyer"])
def test_no_messages_either_way_through_the_api_and_history_stays(people, blocker):
    chat, seller, buyer = people["conversation"], people["seller"], people["buyer"]
    services.message_send(conversation_id=chat.pk, sender=buyer, body="Здравствуйте")
    services.user_block(blocker=people[blocker], blocked=buyer if blocker == "seller" else seller)
    for sender in (seller, buyer):
        refused = api_for(sender).post(messages_url(chat), {"body": "Ещё актуально?"})
        assert refused.status_code == 403 and refused.json()["code"] == "blocked"
    assert Message.objects.filter(conversation=chat).count() == 1
    for reader in (seller, buyer):  # history stays readable, and the conversation says so
        api = api_for(reader)
        assert [m["body"] for m in api.get(messages_url(chat)).json()["results"]] == [
            "Здравствуйте"
        ]
        shown = api.get(f"/api/v1/chat/conversations/{chat.pk}").json()
        assert shown["blocked"] is True
        assert shown["blocked_by_me"] is (reader == people[blocker])
        assert shown["blocked_by_other"] is (reader != people[blocker])
        listed = api.get("/api/v1/chat/conversations").json()["results"]
        assert [c["id"] for c in listed] == [chat.pk] and listed[0]["blocked"] is True

    services.user_unblock(blocker=people[blocker], blocked=buyer if blocker == "seller" else seller)
    sent = api_for(buyer).post(messages_url(chat), {"body": "Снова здесь"})
    assert sent.status_code == 201
    assert api_for(seller).get(f"/api/v1/chat/conversations/{chat.pk}").json()["blocked"] is False


def test_a_resend_of_a_message_saved_before_the_block_is_acknowledged(people):
    chat, buyer = people["conversation"], people["buyer"]
    api = api_for(buyer)
    assert api.post(messages_url(chat), {"body": "Привет", "client_id": "c-1"}).status_code == 201
    services.user_block(blocker=people["seller"], blocked=buyer)
    assert api.post(messages_url(chat), {"body": "Привет", "client_id": "c-1"}).status_code == 200
    assert api.post(messages_url(chat), {"body": "Привет", "client_id": "c-2"}).status_code == 403


def test_starting_a_conversation_is_refused_both_ways(people):
    seller, stranger = people["seller"], people["stranger"]
    listing = ListingFactory(seller=seller)
    services.user_block(blocker=stranger, blocked=seller)
    url = f"/api/v1/chat/conversations/{listing.pk}/{seller.pk}"
    refused = api_for(stranger).post(url)
    assert refused.status_code == 403 and refused.json()["code"] == "blocked"
    services.user_unblock(blocker=stranger, blocked=seller)
    services.user_block(blocker=seller, blocked=stranger)
    assert api_for(stranger).post(url).json()["code"] == "blocked"
    # the page's "Write to seller" says why and goes back to the ad
    from django.test import Client

    client = Client()
    client.force_login(stranger)
    response = client.post(reverse("chat:start", args=[listing.pk]))
    assert response.status_code == 302 and response.url == listing.get_absolute_url()
    services.user_unblock(blocker=seller, blocked=stranger)
    assert api_for(stranger).post(url).status_code == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("blocker", ["seller", "buyer"])
async def test_the_socket_refuses_messages_with_a_blocked_event(people, blocker):
    chat, seller, buyer = people["conversation"], people["seller"], people["buyer"]
    on_buyer = await open_socket(chat.pk, buyer)
    on_seller = await open_socket(chat.pk, seller)
    other = buyer if blocker == "seller" else seller
    await database_sync_to_async(services.user_block)(blocker=people[blocker], blocked=other)
    for socket in (on_buyer, on_seller):
        await socket.send_json_to({"type": "message", "body": "Алло?", "client_id": "x-1"})
        error = await next_of(socket, "error")
        assert error["code"] == "blocked"
    count = database_sync_to_async(Message.objects.filter(conversation=chat).count)
    assert await count() == 0
    await database_sync_to_async(services.user_unblock)(blocker=people[blocker], blocked=other)
    await on_buyer.send_json_to({"type": "message", "body": "Теперь можно", "client_id": "x-2"})
    assert (await next_of(on_seller, "message"))["message"]["body"] == "Теперь можно"
    await on_buyer.disconnect()
    await on_seller.disconnect()


def test_the_page_shows_the_block_and_keeps_the_history(client, people):
    chat, seller, buyer = people["conversation"], people["seller"], people["buyer"]
    services.message_send(conversation_id=chat.pk, sender=buyer, body="Здравствуйте")
    page_url = reverse("chat:conversation", args=[chat.pk])
    client.force_login(seller)
    before = client.get(page_url).text
    assert 'id="chat-form"' in before and reverse("chat:block", args=[buyer.pk]) in before

    response = client.post(reverse("chat:block", args=[buyer.pk]), {"next": page_url})
    assert response.status_code == 302 and response.url == page_url
    assert UserBlock.objects.filter(blocker=seller, blocked=buyer).exists()
    page = client.get(page_url).text
    assert 'id="chat-blocked"' in page and 'id="chat-form"' not in page
    assert "Здравствуйте" in page and reverse("chat:unblock", args=[buyer.pk]) in page
    # a plain form post is refused too, and nothing is saved
    client.post(reverse("chat:send", args=[chat.pk]), {"body": "Последнее слово"})
    client.force_login(buyer)
    theirs = client.get(page_url).text
    assert 'id="chat-blocked"' in theirs and "Здравствуйте" in theirs
    assert reverse("chat:unblock", args=[seller.pk]) not in theirs  # not theirs to lift
    sent = client.post(
        reverse("chat:send", args=[chat.pk]), {"body": "Алло?"}, HTTP_ACCEPT="application/json"
    )
    assert sent.status_code == 403
    assert Message.objects.filter(conversation=chat).count() == 1
    inbox = client.get(reverse("chat:inbox")).text
    assert page_url in inbox  # the conversation stays in the list

    client.force_login(seller)
    client.post(reverse("chat:unblock", args=[buyer.pk]), {"next": page_url})
    assert 'id="chat-form"' in client.get(page_url).text


def test_block_and_unblock_from_the_profile(client, people):
    seller, buyer = people["seller"], people["buyer"]
    profile = reverse("accounts:profile", args=[seller.pk])
    client.force_login(buyer)
    page = client.get(profile).text
    assert reverse("chat:block", args=[seller.pk]) in page
    response = client.post(reverse("chat:block", args=[seller.pk]))
    assert response.status_code == 302 and response.url == profile
    assert reverse("chat:unblock", args=[seller.pk]) in client.get(profile).text
    client.post(reverse("chat:unblock", args=[seller.pk]))
    assert not UserBlock.objects.exists()
    assert client.get(reverse("chat:block", args=[seller.pk])).status_code == 405
    assert client.post(reverse("chat:block", args=[10**9])).status_code == 404
    own = client.get(reverse("accounts:profile", args=[buyer.pk])).text
    assert reverse("chat:block", args=[buyer.pk]) not in own
    client.post(reverse("chat:block", args=[buyer.pk]))  # oneself: a message, no block
    assert not UserBlock.objects.exists()


def test_search_hides_the_ads_of_blocked_people_both_ways(client, people):
    seller, buyer, stranger = people["seller"], people["buyer"], people["stranger"]
    ListingFactory(seller=seller, title="Велосипед горный Stels")
    ListingFactory(seller=stranger, title="Велосипед детский")
    search = reverse("listings:search")

    def titles_on_page(user):
        client.force_login(user)
        return client.get(search, {"q": "велосипед"}).text

    def titles_in_api(user):
        rows = api_for(user).get("/api/v1/listings", {"q": "велосипед"}).json()["results"]
        return {row["title"] for row in rows}

    assert "Велосипед горный Stels" in titles_on_page(buyer)
    services.user_block(blocker=buyer, blocked=seller)
    for user in (buyer, seller):  # the blocker, and the one blocked
        others = "Велосипед детский"
        page = titles_on_page(user)
        api = titles_in_api(user)
        if user == buyer:
            assert "Велосипед горный Stels" not in page and "Велосипед горный Stels" not in api
        assert others in page and others in api
    # the seller does not see the buyer's ads either
    ListingFactory(seller=buyer, title="Велосипед трековый")
    assert "Велосипед трековый" not in titles_on_page(seller)
    assert "Велосипед трековый" not in titles_in_api(seller)
    assert "Велосипед трековый" in titles_in_api(stranger)
    client.logout()
    assert "Велосипед горный Stels" in client.get(search, {"q": "велосипед"}).text  # visitors

    services.user_unblock(blocker=buyer, blocked=seller)
    assert "Велосипед горный Stels" in titles_on_page(buyer)
    assert "Велосипед трековый" in titles_in_api(seller)


def test_search_for_a_signed_in_viewer_takes_no_extra_query(
    client, people, django_assert_num_queries
):
    services.user_block(blocker=people["buyer"], blocked=people["seller"])
    ListingFactory.create_batch(3)
    api = api_for(people["buyer"])
    api.get("/api/v1/listings")
    with django_assert_num_queries(5):  # as for a visitor: the block is a subquery
        api.get("/api/v1/listings", {"page_size": 2})


def test_a_banned_user_can_still_be_blocked_and_unblocked(people):
    """A victim blocks the scammer whatever the moderators decided, and may lift an earlier
    block while he is banned (the block is the victim's own)."""
    from moderation.services import user_ban

    moderator = UserFactory(is_staff=True)
    api = api_for(people["buyer"])
    user_ban(user_id=people["seller"].pk, moderator=moderator, reason="fraud")
    assert api.post(BLOCK.format(people["seller"].pk)).status_code == 201
    assert api.get(BLOCKED).json()["count"] == 1
    assert api.delete(BLOCK.format(people["seller"].pk)).status_code == 204
    assert not UserBlock.objects.exists()
