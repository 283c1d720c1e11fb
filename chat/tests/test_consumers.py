"""The chat socket against the real Redis channel layer, through the whole ASGI application
(origin check, session and JWT auth), as browsers and API clients reach it."""

import asyncio
import json

import psycopg
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection

from chat import services
from chat.models import Message
from chat.tests.conftest import ORIGIN, session_cookie, token_for
from zattar import asyncdb
from zattar.asgi import application
from zattar.testing import api_for

pytestmark = pytest.mark.django_db(transaction=True)


def socket(conversation_id: int, *headers, query: str = "") -> WebsocketCommunicator:
    path = f"/api/v1/ws/chat/{conversation_id}/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=list(headers))


async def open_socket(conversation_id, user, query="") -> WebsocketCommunicator:
    cookie = await database_sync_to_async(session_cookie)(user)
    communicator = socket(conversation_id, ORIGIN, cookie, query=query)
    connected, code = await communicator.connect()
    assert connected, code
    return communicator


async def next_of(communicator, kind: str, timeout: float = 3) -> dict:
    while True:
        event = await communicator.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


async def test_session_auth_and_a_message_reaches_both_sides_after_it_is_saved(people):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to(
        {"type": "message", "body": "  Здравствуйте! Ещё продаёте?  ", "client_id": "c-1"}
    )
    received = (await next_of(seller, "message"))["message"]
    echoed = (await next_of(buyer, "message"))["message"]
    assert received == echoed
    assert received["body"] == "Здравствуйте! Ещё продаёте?" and received["client_id"] == "c-1"
    assert received["sender"] == people["buyer"].pk and received["conversation"] == chat.pk
    # what was told was saved
    saved = await database_sync_to_async(Message.objects.get)(pk=received["id"])
    assert saved.body == received["body"] and saved.recipient_id == people["seller"].pk
    await buyer.disconnect()
    await seller.disconnect()


async def test_jwt_token_auth_without_origin_for_api_clients(people):
    token = await database_sync_to_async(token_for)(people["seller"])
    communicator = socket(people["conversation"].pk, query=f"token={token}")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()


async def closed_with(communicator: WebsocketCommunicator) -> int:
    """A refused socket is accepted, told why, then closed: the close code reaches the client."""
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "error"
    closing = await communicator.receive_output()
    assert closing["type"] == "websocket.close"
    return closing["code"]


async def test_anonymous_strangers_and_foreign_origins_are_refused(people):
    chat = people["conversation"]
    assert await closed_with(socket(chat.pk, ORIGIN)) == 4403
    stranger = await database_sync_to_async(session_cookie)(people["stranger"])
    assert await closed_with(socket(chat.pk, ORIGIN, stranger)) == 4404
    assert await closed_with(socket(999_999, ORIGIN, stranger)) == 4404
    token = await database_sync_to_async(token_for)(people["stranger"])
    assert await closed_with(socket(chat.pk, query=f"token={token}")) == 4404
    buyer = await database_sync_to_async(session_cookie)(people["buyer"])
    connected, _ = await socket(chat.pk, (b"origin", b"https://evil.example"), buyer).connect()
    assert not connected
    connected, _ = await socket(chat.pk, buyer).connect()  # a cookie but no origin
    assert not connected


async def test_typing_reaches_the_other_side_only_and_is_throttled(people):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to({"type": "typing"})
    assert await next_of(seller, "typing") == {"type": "typing", "user": people["buyer"].pk}
    await buyer.send_json_to({"type": "typing"})  # within the interval: not relayed
    assert await seller.receive_nothing(timeout=0.5)
    assert await buyer.receive_nothing(timeout=0.1)
    await buyer.disconnect()
    await seller.disconnect()


async def test_read_receipts(people):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to({"type": "message", "body": "Можно посмотреть сегодня?"})
    message = (await next_of(seller, "message"))["message"]
    await seller.send_json_to({"type": "read", "up_to": message["id"]})
    receipt = await next_of(buyer, "read")
    assert receipt == {"type": "read", "user": people["seller"].pk, "up_to": message["id"]}
    saved = await database_sync_to_async(Message.objects.get)(pk=message["id"])
    assert saved.read_at is not None
    await buyer.disconnect()
    await seller.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json at all", "invalid_json"),
        ("[1, 2, 3]", "invalid_json"),
        (json.dumps({"type": "dance"}), "unknown_type"),
        (json.dumps({"type": "message", "body": "   "}), "invalid_message"),
        (json.dumps({"type": "message", "body": "я" * 2001}), "invalid_message"),
        (json.dumps({"type": "message"}), "invalid_message"),
        (json.dumps({"type": "read", "up_to": "all"}), "invalid_read"),
    ],
)
async def test_bad_events_get_an_error_and_the_socket_stays_open(people, raw, code):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    await buyer.send_to(text_data=raw)
    error = await next_of(buyer, "error")
    assert error["code"] == code and error["detail"]
    await buyer.send_json_to({"type": "message", "body": "А теперь нормально"})
    assert (await next_of(buyer, "message"))["message"]["body"] == "А теперь нормально"
    await buyer.disconnect()
    assert await database_sync_to_async(Message.objects.count)() == 1


async def test_reconnect_with_after_gets_every_missed_message_in_order(people):
    chat = people["conversation"]
    first, _ = await database_sync_to_async(services.message_send)(
        conversation_id=chat.pk, sender=people["buyer"], body="первое"
    )
    for n in range(3):
        await database_sync_to_async(services.message_send)(
            conversation_id=chat.pk, sender=people["seller"], body=f"пропущенное {n}"
        )
    buyer = await open_socket(chat.pk, people["buyer"], query=f"after={first.pk}")
    missed = [(await next_of(buyer, "message"))["message"]["body"] for _ in range(3)]
    assert missed == ["пропущенное 0", "пропущенное 1", "пропущенное 2"]
    assert await buyer.receive_nothing(timeout=0.3)
    await buyer.disconnect()


async def test_a_resent_client_id_is_saved_once_and_acknowledged(people):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to({"type": "message", "body": "Привет", "client_id": "same"})
    first = (await next_of(buyer, "message"))["message"]
    # the connection dropped before the echo, say: the client sends again
    await buyer.send_json_to({"type": "message", "body": "Привет", "client_id": "same"})
    again = (await next_of(buyer, "message"))["message"]
    assert again == first
    assert (await next_of(seller, "message"))["message"] == first
    assert await seller.receive_nothing(timeout=0.3)  # the other side is told once
    assert await database_sync_to_async(Message.objects.count)() == 1
    await buyer.disconnect()
    await seller.disconnect()


async def test_messages_posted_over_http_reach_the_sockets(people):

    chat = people["conversation"]
    seller = await open_socket(chat.pk, people["seller"])

    def post():
        path = f"/api/v1/chat/conversations/{chat.pk}/messages"
        return api_for(people["buyer"]).post(path, {"body": "Через API"})

    response = await database_sync_to_async(post)()
    assert response.status_code == 201
    event = await next_of(seller, "message")
    assert event["message"]["id"] == response.json()["id"]
    await seller.disconnect()


async def test_flood_limit_gives_an_error_event_and_keeps_the_socket(people, settings):
    settings.CHAT_FLOOD_LIMIT = 5
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    for n in range(6):
        await buyer.send_json_to({"type": "message", "body": f"сообщение {n}"})
    kinds = [(await buyer.receive_json_from(timeout=3))["type"] for _ in range(6)]
    assert kinds.count("message") == 5 and kinds.count("error") == 1
    assert await database_sync_to_async(Message.objects.count)() == 5
    await buyer.send_json_to({"type": "typing"})  # still open
    await buyer.disconnect()


async def test_a_conversation_deleted_with_its_ad_gets_an_error_event(people):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    await database_sync_to_async(people["listing"].delete)()
    await buyer.send_json_to({"type": "message", "body": "Ещё актуально?"})
    event = await buyer.receive_json_from(timeout=3)
    assert event["type"] == "error" and event["code"] == "not_found"
    assert not await database_sync_to_async(Message.objects.exists)()
    await buyer.send_json_to({"type": "typing"})  # still open
    await buyer.disconnect()


async def test_a_database_outage_gets_an_error_event_and_a_resend_works(people, monkeypatch):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])

    async def unreachable():
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(asyncdb, "_pools", {})  # no open connection to fall back on
    monkeypatch.setattr(asyncdb, "_connect", unreachable)
    sending = {"type": "message", "body": "Можно забрать сегодня?", "client_id": "c-9"}
    await buyer.send_json_to(sending)
    event = await buyer.receive_json_from(timeout=3)
    assert event["type"] == "error" and event["code"] == "unavailable"
    assert await seller.receive_nothing(timeout=0.3)
    monkeypatch.undo()
    await buyer.send_json_to(sending)  # the client's resend, once the database is back
    assert (await next_of(seller, "message"))["message"]["client_id"] == "c-9"
    assert await database_sync_to_async(Message.objects.count)() == 1
    await buyer.disconnect()
    await seller.disconnect()


async def test_connections_killed_by_a_database_restart_are_replaced(people):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to({"type": "message", "body": "Первое", "client_id": "c-1"})
    await next_of(seller, "message")

    def terminate() -> int:  # what a restart does to the connections kept open
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [asyncdb.APPLICATION_NAME],
            )
            return cursor.fetchone()[0]

    assert await database_sync_to_async(terminate)() >= 1
    await buyer.send_json_to({"type": "message", "body": "Второе", "client_id": "c-2"})
    assert (await next_of(seller, "message"))["message"]["body"] == "Второе"
    await buyer.disconnect()
    await seller.disconnect()


async def test_a_socket_idle_longer_than_the_redis_timeout_still_works(people):
    """redis-py 8 times sockets out after 5 s by default; the layer is configured not to."""
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await asyncio.sleep(6.5)
    await buyer.send_json_to({"type": "message", "body": "После паузы"})
    assert (await next_of(seller, "message", timeout=5))["message"]["body"] == "После паузы"
    await buyer.disconnect()
    await seller.disconnect()


async def test_the_unread_socket_follows_the_user(people):
    from chat.tests.conftest import session_cookie as cookie_of

    cookie = await database_sync_to_async(cookie_of)(people["seller"])
    notifications = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN, cookie])
    assert (await notifications.connect())[0]
    assert await notifications.receive_json_from() == {"type": "unread", "count": 0}
    assert await notifications.receive_json_from() == {"type": "notifications", "unread": 0}
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await buyer.send_json_to({"type": "message", "body": "Добрый день"})
    unread = await next_of(notifications, "unread")
    assert unread["count"] == 1 and unread["message"]["body"] == "Добрый день"
    await buyer.disconnect()
    await notifications.disconnect()
