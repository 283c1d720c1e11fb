"""Two server processes sharing Redis: a message sent through process A (this test process)
reaches a socket held by process B (a real daphne), and the other way round."""

import asyncio
import json

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chat import services
from chat.tests.conftest import ORIGIN, session_cookie, token_for
from zattar.asgi import application
from zattar.testing import daphne_process, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def daphne_b():
    port = free_port()
    process = daphne_process(port)
    yield port
    process.terminate()
    process.wait(timeout=10)


async def test_a_message_crosses_from_one_process_to_another(people, daphne_b):
    chat = people["conversation"]
    token = await database_sync_to_async(token_for)(people["seller"])
    url = f"ws://127.0.0.1:{daphne_b}/api/v1/ws/chat/{chat.pk}/?token={token}"
    async with websockets.connect(url) as on_b:
        await asyncio.sleep(0.3)  # process B has subscribed in Redis
        sent, _ = await database_sync_to_async(services.message_send)(
            conversation_id=chat.pk, sender=people["buyer"], body="Из процесса A"
        )
        event = json.loads(await asyncio.wait_for(on_b.recv(), timeout=5))
        assert event == {
            "type": "message",
            "message": {
                "id": sent.pk,
                "conversation": chat.pk,
                "sender": people["buyer"].pk,
                "body": "Из процесса A",
                "created_at": sent.created_at.isoformat(),
                "client_id": "",
                "warning": None,
            },
        }
        # and back: a socket message on B reaches a socket held in this process (A)
        cookie = await database_sync_to_async(session_cookie)(people["buyer"])
        on_a = WebsocketCommunicator(
            application, f"/api/v1/ws/chat/{chat.pk}/", headers=[ORIGIN, cookie]
        )
        assert (await on_a.connect())[0]
        await asyncio.sleep(0.2)
        await on_b.send(json.dumps({"type": "message", "body": "Из процесса B"}))
        event = await on_a.receive_json_from(timeout=5)
        assert event["message"]["body"] == "Из процесса B"
        await on_a.disconnect()
