"""The bell's count over /api/v1/ws/me/, live: it arrives when notify() commits and when the
person reads the notifications (page or API), through the real Redis channel layer."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from chat.tests.conftest import ORIGIN, session_cookie
from notifications.kinds import Kind
from notifications.services import notify
from zattar.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def bell_of(user) -> WebsocketCommunicator:
    cookie = await database_sync_to_async(session_cookie)(user)
    socket = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN, cookie])
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def next_bell(socket, timeout: float = 3) -> int:
    while True:
        event = await socket.receive_json_from(timeout=timeout)
        if event["type"] == "notifications":
            return event["unread"]


def tell(user, key: str) -> None:
    notify(user=user, kind=Kind.DEALS, event="tests/hello", key=key, context={"name": key})


async def test_the_count_comes_on_connect_and_after_notify_commits():
    me, other = await database_sync_to_async(UserFactory.create_batch)(2)
    await database_sync_to_async(tell)(me, "before")
    socket = await bell_of(me)
    assert await next_bell(socket) == 1  # on connect

    @database_sync_to_async
    def tell_in_a_transaction() -> None:
        with transaction.atomic():
            tell(me, "one")
            tell(other, "theirs")

    await tell_in_a_transaction()
    assert await next_bell(socket) == 2
    assert await socket.receive_nothing(timeout=0.3)  # the other person's is not told here
    await socket.disconnect()


async def test_nothing_is_told_when_the_change_rolls_back():
    me = await database_sync_to_async(UserFactory)()
    socket = await bell_of(me)
    assert await next_bell(socket) == 0

    @database_sync_to_async
    def tell_and_roll_back() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            tell(me, "one")
            raise RuntimeError

    await tell_and_roll_back()
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_opening_the_feed_puts_the_bell_back_to_zero_on_every_page():
    me = await database_sync_to_async(UserFactory)()
    await database_sync_to_async(tell)(me, "one")
    await database_sync_to_async(tell)(me, "two")
    socket = await bell_of(me)
    assert await next_bell(socket) == 2

    @database_sync_to_async
    def open_feed() -> int:
        client = Client()
        client.force_login(me)
        return client.get(reverse("notifications:feed")).status_code

    assert await open_feed() == 200
    assert await next_bell(socket) == 0
    await socket.disconnect()
