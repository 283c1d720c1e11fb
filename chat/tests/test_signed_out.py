"""A new password or a deactivated account closes the person's open sockets (4403, final):
tokens and sessions were checked once, at connect, so a stolen token with a socket already open
must not keep chatting as the victim."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.services import user_password_change
from accounts.tests.factories import PASSWORD
from chat.models import Message
from chat.tests.conftest import ORIGIN, session_cookie, token_for
from chat.tests.test_consumers import next_of, open_socket, socket
from zattar.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def closes_signed_out(communicator) -> None:
    assert (await next_of(communicator, "error"))["code"] == "signed_out"
    closing = await communicator.receive_output(timeout=3)
    assert closing == {"type": "websocket.close", "code": 4403}


@database_sync_to_async
def change_password(user) -> None:
    user_password_change(user=User.objects.get(pk=user.pk), new_password="New-Steppe-2026!")


@database_sync_to_async
def deactivate(user) -> None:
    user = User.objects.get(pk=user.pk)
    user.is_active = False
    user.save()


async def test_a_password_change_closes_the_chat_socket_opened_with_a_token(people):
    chat, buyer = people["conversation"], people["buyer"]
    token = await database_sync_to_async(token_for)(buyer)
    stolen = socket(chat.pk, query=f"token={token}")
    connected, _ = await stolen.connect()
    assert connected
    other_page = await open_socket(chat.pk, people["seller"])
    await change_password(buyer)
    await closes_signed_out(stolen)
    await other_page.send_json_to({"type": "message", "body": "Ещё здесь?"})
    assert (await next_of(other_page, "message"))["message"]["body"] == "Ещё здесь?"
    assert await database_sync_to_async(Message.objects.count)() == 1  # the seller's only
    await other_page.disconnect()


async def test_deactivation_closes_the_chat_and_badge_sockets_of_a_session(people):
    chat, buyer = people["conversation"], people["buyer"]
    cookie = await database_sync_to_async(session_cookie)(buyer)
    badge = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN, cookie])
    assert (await badge.connect())[0]
    await badge.receive_json_from()  # the unread count
    await badge.receive_json_from()  # the bell's count
    chat_socket = await open_socket(chat.pk, buyer)
    await deactivate(buyer)
    await closes_signed_out(chat_socket)
    await closes_signed_out(badge)


async def test_other_saves_of_the_user_leave_the_sockets_open(people):
    chat, buyer = people["conversation"], people["buyer"]
    chat_socket = await open_socket(chat.pk, buyer)

    @database_sync_to_async
    def rename() -> None:
        user = User.objects.get(pk=buyer.pk)
        user.name = "Айгерим Б."
        user.save()
        assert user.check_password(PASSWORD)

    await rename()
    await chat_socket.send_json_to({"type": "message", "body": "Всё ещё на связи"})
    assert (await next_of(chat_socket, "message"))["message"]["body"] == "Всё ещё на связи"
    await chat_socket.disconnect()
