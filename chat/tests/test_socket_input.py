"""Whatever a client sends over a socket gets an error event and the socket stays open; refused
sockets are accepted, told why and closed with 4403/4404, which a real client receives."""

import json

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chat.models import Message
from chat.tests.conftest import ORIGIN, session_cookie, token_for
from chat.tests.test_consumers import closed_with, next_of, open_socket, socket
from zattar.asgi import application
from zattar.testing import daphne_process, free_port

pytestmark = pytest.mark.django_db(transaction=True)

NESTED = "[" * 10_000 + "]" * 10_000


async def still_open(communicator) -> None:
    """The socket takes a good message after the bad one, and only that one was saved."""
    await communicator.send_json_to({"type": "message", "body": "А теперь нормально"})
    assert (await next_of(communicator, "message"))["message"]["body"] == "А теперь нормально"
    assert await database_sync_to_async(Message.objects.count)() == 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(NESTED, "invalid_json", id="deeply-nested-array"),
        pytest.param(
            '{"type": "message", "body": ' + NESTED + "}", "invalid_json", id="nested-body"
        ),
        pytest.param('{"type": "message", "body": "\\ud800"}', "invalid_json", id="lone-surrogate"),
        pytest.param(
            '{"type": "message", "body": "a\\udfffb"}', "invalid_json", id="lone-low-half"
        ),
        pytest.param("", "invalid_json", id="empty-frame"),
        pytest.param("null", "invalid_json", id="null"),
        pytest.param("42", "invalid_json", id="number"),
        pytest.param('"message"', "invalid_json", id="string"),
        pytest.param('{"type": "message"', "invalid_json", id="truncated"),
        pytest.param("9" * 5000, "invalid_json", id="number-past-int-limit"),
        pytest.param(json.dumps({"type": "message", "body": "я" * 40_000}), "too_large", id="huge"),
        pytest.param(json.dumps({}), "unknown_type", id="no-type"),
        pytest.param(json.dumps({"type": None}), "unknown_type", id="null-type"),
        pytest.param(json.dumps({"type": ["message"]}), "unknown_type", id="list-type"),
        pytest.param(json.dumps({"type": {"a": 1}}), "unknown_type", id="object-type"),
        pytest.param(json.dumps({"type": "chat.message"}), "unknown_type", id="group-type"),
        pytest.param(json.dumps({"type": "message", "body": 5}), "invalid_message", id="int-body"),
        pytest.param(
            json.dumps({"type": "message", "body": "x", "client_id": "ü"}),
            "invalid_message",
            id="non-ascii-client-id",
        ),
    ],
)
async def test_bad_frames_get_an_error_event_and_the_socket_stays_open(people, raw, code):
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await buyer.send_input({"type": "websocket.receive", "text": raw})
    error = await buyer.receive_json_from(timeout=3)
    assert error["type"] == "error" and error["code"] == code and error["detail"]
    await still_open(buyer)
    await buyer.disconnect()


@pytest.mark.parametrize(
    "up_to",
    ["12", -1, 0, 2**63, 2**70, 1.5, True, None, [1], {"id": 1}],
    ids=repr,
)
async def test_a_read_receipt_needs_a_message_id(people, up_to):
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await buyer.send_json_to({"type": "read", "up_to": up_to})
    error = await buyer.receive_json_from(timeout=3)
    assert error == {"type": "error", "code": "invalid_read", "detail": error["detail"]}
    assert error["detail"]
    await still_open(buyer)
    await buyer.disconnect()


async def test_the_largest_message_id_is_a_valid_read_receipt(people):
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await buyer.send_json_to({"type": "read", "up_to": 2**63 - 1})
    assert await buyer.receive_nothing(timeout=0.5)
    await still_open(buyer)
    await buyer.disconnect()


async def test_a_binary_frame_gets_an_error_event(people):
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await buyer.send_to(bytes_data=json.dumps({"type": "message", "body": "hi"}).encode())
    error = await buyer.receive_json_from(timeout=3)
    assert error["code"] == "invalid_json" and error["detail"]
    await still_open(buyer)
    await buyer.disconnect()


async def test_nul_characters_are_dropped_from_a_body(people):
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await buyer.send_json_to({"type": "message", "body": "При\u0000вет"})
    assert (await next_of(buyer, "message"))["message"]["body"] == "Привет"
    await buyer.disconnect()


async def test_escaped_surrogate_pairs_are_ordinary_text(people):
    buyer = await open_socket(people["conversation"].pk, people["buyer"])
    await buyer.send_to(text_data='{"type": "message", "body": "\\ud83d\\ude00 ok"}')
    assert (await next_of(buyer, "message"))["message"]["body"] == "\U0001f600 ok"
    await buyer.disconnect()


async def test_a_conversation_id_past_bigint_is_not_found(people):
    cookie = await database_sync_to_async(session_cookie)(people["buyer"])
    assert await closed_with(socket(2**70, ORIGIN, cookie)) == 4404


async def test_an_after_past_bigint_is_ignored(people):
    buyer = await open_socket(people["conversation"].pk, people["buyer"], query=f"after={2**70}")
    await still_open(buyer)
    await buyer.disconnect()


async def test_the_unread_socket_refuses_anonymous_users_with_4403():
    communicator = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN])
    assert await closed_with(communicator) == 4403


@pytest.mark.parametrize(
    "frame",
    [{"text_data": "not json"}, {"text_data": "x" * 40_000}, {"bytes_data": b"\x00\xff"}],
    ids=["text", "huge", "binary"],
)
async def test_the_unread_socket_answers_any_frame_with_an_error(people, frame):
    cookie = await database_sync_to_async(session_cookie)(people["seller"])
    badge = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN, cookie])
    assert (await badge.connect())[0]
    assert (await badge.receive_json_from())["type"] == "unread"
    assert (await badge.receive_json_from())["type"] == "notifications"
    await badge.send_to(**frame)
    error = await badge.receive_json_from(timeout=3)
    assert error["code"] == "read_only" and error["detail"]
    await badge.send_to(text_data="{}")  # still open
    assert (await badge.receive_json_from(timeout=3))["code"] == "read_only"
    await badge.disconnect()


# --- Through a real server: what a browser or an API client actually receives -----------------


@pytest.fixture
def server():
    port = free_port()
    process = daphne_process(port)
    yield f"ws://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


async def close_code_of(connection) -> int:
    """The code of the server's close frame; 1006 if it dropped the connection without one."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await connection.recv()
    return closed.value.rcvd.code if closed.value.rcvd else 1006


async def test_refusals_reach_a_real_client_as_close_codes(people, server):
    chat = people["conversation"]
    origin = "http://127.0.0.1"
    async with websockets.connect(f"{server}/api/v1/ws/chat/{chat.pk}/", origin=origin) as anon:
        assert json.loads(await anon.recv())["type"] == "error"
        assert await close_code_of(anon) == 4403
    async with websockets.connect(f"{server}/api/v1/ws/me/", origin=origin) as anon:
        assert await close_code_of(anon) == 4403
    token = await database_sync_to_async(token_for)(people["stranger"])
    async with websockets.connect(f"{server}/api/v1/ws/chat/{chat.pk}/?token={token}") as stranger:
        assert await close_code_of(stranger) == 4404


async def test_frames_past_the_servers_limit_drop_the_connection(people, server):
    """daphne reads at most 1 MiB a message and drops the connection past that (autobahn's
    1009, without a close frame: the client sees 1006); below it the consumer's own limit
    answers with an error event."""
    chat = people["conversation"]
    token = await database_sync_to_async(token_for)(people["buyer"])
    url = f"{server}/api/v1/ws/chat/{chat.pk}/?token={token}"
    async with websockets.connect(url, max_size=None) as buyer:
        await buyer.send("x" * 100_000)
        assert json.loads(await buyer.recv())["code"] == "too_large"
        await buyer.send("x" * (2 * 1024 * 1024))
        assert await close_code_of(buyer) == 1006
    async with websockets.connect(url) as buyer:  # the server is fine
        await buyer.send(json.dumps({"type": "message", "body": "Работает"}))
        assert json.loads(await buyer.recv())["message"]["body"] == "Работает"
