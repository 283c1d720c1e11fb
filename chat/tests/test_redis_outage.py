"""The chat while Redis is away: messages are saved and their senders told, sockets stay open,
and every open socket catches up once Redis is back. Redis here is a private redis-server that
each test stops and starts again on the same port."""

import asyncio
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chat import services
from chat.models import Message
from chat.tests.conftest import ORIGIN, session_cookie
from chat.tests.test_consumers import next_of, open_socket, socket
from zattar import layers
from zattar.asgi import application
from zattar.testing import api_for, private_redis

pytestmark = pytest.mark.django_db(transaction=True)

BACK = 5  # seconds to wait for a socket to catch up once Redis is back


@pytest.fixture
def redis_server(monkeypatch):
    monkeypatch.setattr(layers, "RETRY_SECONDS", 0.2, raising=False)
    with private_redis() as server:
        yield server


async def stopped(server) -> None:
    await asyncio.to_thread(server.stop)


async def started(server) -> None:
    await asyncio.to_thread(server.start)


def post_message(conversation_id, user, body):
    path = f"/api/v1/chat/conversations/{conversation_id}/messages"
    return api_for(user).post(path, {"body": body})


async def test_a_message_sent_while_redis_is_down_is_saved_and_its_sender_told(
    people, redis_server
):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await stopped(redis_server)
    await buyer.send_json_to({"type": "message", "body": "Ещё продаёте?", "client_id": "c-1"})
    error = await next_of(buyer, "error")
    saved = await database_sync_to_async(Message.objects.get)()
    assert error["code"] == "undelivered" and error["detail"]
    assert error["message_id"] == saved.pk and error["message"]["client_id"] == "c-1"
    assert await seller.receive_nothing(timeout=0.3)
    await buyer.send_to(text_data="not json")  # the socket is still open
    assert (await next_of(buyer, "error"))["code"] == "invalid_json"
    await buyer.disconnect()
    await seller.disconnect()


async def test_open_sockets_catch_up_once_redis_is_back(people, redis_server):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to({"type": "message", "body": "До сбоя"})
    before = (await next_of(seller, "message"))["message"]
    await next_of(buyer, "message")
    await stopped(redis_server)
    await buyer.send_json_to({"type": "message", "body": "Во время сбоя"})
    await next_of(buyer, "error")
    over_http = await database_sync_to_async(post_message)(chat.pk, people["seller"], "По HTTP")
    assert over_http.status_code == 201
    await started(redis_server)
    caught_up = [
        (await next_of(seller, "message", timeout=BACK))["message"]["body"] for _ in range(2)
    ]
    assert caught_up == ["Во время сбоя", "По HTTP"]
    assert (await next_of(buyer, "message", timeout=BACK))["message"]["body"] == "Во время сбоя"
    assert (await next_of(buyer, "message", timeout=BACK))["message"]["body"] == "По HTTP"
    # live again, and nothing twice
    await seller.send_json_to({"type": "message", "body": "После сбоя"})
    assert (await next_of(buyer, "message"))["message"]["body"] == "После сбоя"
    assert (await next_of(seller, "message"))["message"]["body"] == "После сбоя"
    assert await buyer.receive_nothing(timeout=0.3) and await seller.receive_nothing(timeout=0.1)
    assert before["body"] == "До сбоя"
    await buyer.disconnect()
    await seller.disconnect()


async def test_a_message_saved_while_the_subscriber_is_reconnecting_is_not_lost(
    people, redis_server
):
    """Redis back, the publisher reconnects at once but the subscriber only on its next try:
    a message published in between reaches nobody live; the catch-up brings it."""
    chat = people["conversation"]
    seller = await open_socket(chat.pk, people["seller"])
    await stopped(redis_server)
    await started(redis_server)
    sent = await database_sync_to_async(services.message_send)(
        conversation_id=chat.pk, sender=people["buyer"], body="В промежутке"
    )
    event = await next_of(seller, "message", timeout=BACK)
    assert event["message"]["id"] == sent.message.pk
    assert await seller.receive_nothing(timeout=0.5)
    await seller.disconnect()


async def test_a_hanging_redis_fails_the_announcement_in_bounded_time(
    people, redis_server, monkeypatch
):
    monkeypatch.setattr(layers, "PUBLISH_SECONDS", 0.5, raising=False)
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    redis_server.pause()
    try:
        await buyer.send_json_to({"type": "message", "body": "Алло?"})
        error = await next_of(buyer, "error", timeout=3)
        assert error["code"] == "undelivered"
        await buyer.send_to(text_data="[]")  # the socket was never blocked
        assert (await next_of(buyer, "error"))["code"] == "invalid_json"
    finally:
        redis_server.resume()
    await buyer.disconnect()


def test_posting_over_http_while_redis_is_down_answers_201_at_once(people, redis_server):
    """Plain sync code (a WSGI worker, a command) publishes and waits: not for long, and a
    failure is logged, not raised."""
    redis_server.stop()
    started_at = time.monotonic()
    response = post_message(people["conversation"].pk, people["buyer"], "Без Redis")
    assert response.status_code == 201
    assert time.monotonic() - started_at < 2
    assert Message.objects.get().body == "Без Redis"


async def test_a_socket_opened_while_redis_is_down_is_told_to_come_back(people, redis_server):
    await stopped(redis_server)
    cookie = await database_sync_to_async(session_cookie)(people["buyer"])
    communicator = socket(people["conversation"].pk, ORIGIN, cookie)
    connected, _ = await communicator.connect()
    assert connected
    error = await communicator.receive_json_from()
    assert error["code"] == "unavailable" and error["detail"]
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4503}


async def test_typing_and_read_receipts_while_redis_is_down_keep_the_socket(people, redis_server):
    chat = people["conversation"]
    sent = await database_sync_to_async(services.message_send)(
        conversation_id=chat.pk, sender=people["buyer"], body="Здравствуйте"
    )
    seller = await open_socket(chat.pk, people["seller"])
    await stopped(redis_server)
    await seller.send_json_to({"type": "typing"})
    await seller.send_json_to({"type": "read", "up_to": sent.message.pk})
    assert await seller.receive_nothing(timeout=0.5)
    read = await database_sync_to_async(Message.objects.get)(pk=sent.message.pk)
    assert read.read_at is not None
    await seller.send_to(text_data="[]")  # still open
    assert (await next_of(seller, "error"))["code"] == "invalid_json"
    await seller.disconnect()


async def test_the_unread_badge_is_recounted_once_redis_is_back(people, redis_server):
    cookie = await database_sync_to_async(session_cookie)(people["seller"])
    badge = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN, cookie])
    assert (await badge.connect())[0]
    assert await badge.receive_json_from() == {"type": "unread", "count": 0}
    assert await badge.receive_json_from() == {"type": "notifications", "unread": 0}
    await stopped(redis_server)
    response = await database_sync_to_async(post_message)(
        people["conversation"].pk, people["buyer"], "Пока Redis лежит"
    )
    assert response.status_code == 201
    assert await badge.receive_nothing(timeout=0.3)
    await started(redis_server)
    assert await badge.receive_json_from(timeout=BACK) == {"type": "unread", "count": 1}
    await badge.disconnect()


async def test_the_first_message_after_a_restart_goes_through(people, redis_server):
    """The layer's pooled connections died with Redis: new ones are made, no error."""
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to({"type": "message", "body": "Раз"})
    await next_of(seller, "message")
    await next_of(buyer, "message")
    await stopped(redis_server)
    await started(redis_server)
    await asyncio.sleep(1)  # the subscriber is back (it retries every 0.2 s here)
    await buyer.send_json_to({"type": "message", "body": "Два"})
    echo = await buyer.receive_json_from(timeout=3)  # not an "undelivered" error
    assert echo["type"] == "message" and echo["message"]["body"] == "Два"
    assert (await next_of(seller, "message"))["message"]["body"] == "Два"
    await buyer.disconnect()
    await seller.disconnect()
