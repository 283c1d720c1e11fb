"""The chat's metrics: messages sent, delivered, left undelivered; sockets open."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from prometheus_client import REGISTRY

from chat.tests.conftest import ORIGIN, session_cookie
from chat.tests.test_consumers import next_of, open_socket
from zattar import layers
from zattar.asgi import application
from zattar.testing import api_for, private_redis

pytestmark = pytest.mark.django_db(transaction=True)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_chat_message_moves_sent_delivered_and_open_sockets(people):
    sent = sample("zattar_chat_messages_sent_total", via="socket")
    delivered = sample("zattar_chat_messages_delivered_total")
    sockets = sample("zattar_chat_open_sockets", kind="chat")
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    assert sample("zattar_chat_open_sockets", kind="chat") == sockets + 2
    await buyer.send_json_to({"type": "message", "body": "Ещё продаёте?", "client_id": "m-1"})
    await next_of(seller, "message")
    await next_of(buyer, "message")
    assert sample("zattar_chat_messages_sent_total", via="socket") == sent + 1
    assert sample("zattar_chat_messages_delivered_total") == delivered + 2  # both sockets
    # a resend of the same client_id is acknowledged, not sent again
    await buyer.send_json_to({"type": "message", "body": "Ещё продаёте?", "client_id": "m-1"})
    await next_of(buyer, "message")
    assert sample("zattar_chat_messages_sent_total", via="socket") == sent + 1
    await buyer.disconnect()
    await seller.disconnect()
    assert sample("zattar_chat_open_sockets", kind="chat") == sockets


def test_a_message_sent_over_http_counts_once_committed(people):
    sent = sample("zattar_chat_messages_sent_total", via="http")
    path = f"/api/v1/chat/conversations/{people['conversation'].pk}/messages"
    assert api_for(people["buyer"]).post(path, {"body": "Добрый день"}).status_code == 201
    assert sample("zattar_chat_messages_sent_total", via="http") == sent + 1


@pytest.fixture
def redis_server(monkeypatch):
    monkeypatch.setattr(layers, "RETRY_SECONDS", 0.2, raising=False)
    with private_redis() as server:
        yield server


async def test_a_message_redis_did_not_take_counts_as_undelivered(people, redis_server):
    undelivered = sample("zattar_chat_messages_undelivered_total")
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await asyncio.to_thread(redis_server.stop)
    await buyer.send_json_to({"type": "message", "body": "Ещё продаёте?", "client_id": "u-1"})
    assert (await next_of(buyer, "error"))["code"] == "undelivered"
    assert sample("zattar_chat_messages_undelivered_total") == undelivered + 1
    await buyer.disconnect()
    await asyncio.to_thread(redis_server.start)


async def test_the_unread_badge_socket_counts_as_open_too(people):
    badges = sample("zattar_chat_open_sockets", kind="notifications")
    cookie = await database_sync_to_async(session_cookie)(people["seller"])
    badge = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN, cookie])
    connected, _ = await badge.connect()
    assert connected
    assert sample("zattar_chat_open_sockets", kind="notifications") == badges + 1
    await badge.disconnect()
    assert sample("zattar_chat_open_sockets", kind="notifications") == badges
