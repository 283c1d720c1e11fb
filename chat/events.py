"""What the chat tells the sockets, after the database has it. Group names and payloads live
here so that services, consumers and tests agree on them."""

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import partial

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from chat.models import Message
from zattar.metrics import CHAT_MESSAGES_UNDELIVERED


def conversation_group(conversation_id: int) -> str:
    return f"chat.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def sessions_group(user_id: int) -> str:
    """Every socket a person has open, chat and badge alike: told when they are signed out."""
    return f"sessions.{user_id}"


def message_payload(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": message.sender_id,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "warning": message.warning or None,
    }


logger = logging.getLogger(__name__)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of this thread, when called from a coroutine."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _main_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop, when this thread was started from it (a consumer's or an ASGI
    view's database call)."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is not None and getattr(local, "main_event_loop_pid", None) == os.getpid():
        return loop if loop.is_running() else None
    return None


PUBLISH_TIMEOUT = 3.0  # seconds plain sync code waits for Redis before it gives up

# Who is told when a message is saved but could not be announced (Redis is away): a socket sets
# it around its send, and hears of it on its own event loop. Nobody is set for the HTTP API,
# whose sender has the message in the response.
undelivered_listener: ContextVar[Callable[[Message], Awaitable[None]] | None] = ContextVar(
    "undelivered_listener", default=None
)
_telling: set[asyncio.Task] = set()  # listeners being told (a task nobody holds may vanish)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("chat event not published: %r", task.exception())


def _tell_if_failed(
    on_failure: Callable[[], Awaitable[None]] | None,
    count_failure: Callable[[], None] | None,
    sends: asyncio.Future,
) -> None:
    if not sends.cancelled() and sends.exception() is not None:
        if count_failure is not None:
            count_failure()
        if on_failure is not None:
            telling = asyncio.ensure_future(on_failure())
            _telling.add(telling)
            telling.add_done_callback(_telling.discard)


_publisher: asyncio.AbstractEventLoop | None = None
_publisher_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process for publishing from plain sync code (commands, the timeout
    job, a WSGI worker): a new loop per publish would also mean a new Redis connection."""
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher.is_closed():
            _publisher = asyncio.new_event_loop()
            threading.Thread(
                target=_publisher.run_forever, name="chat-publisher", daemon=True
            ).start()
        return _publisher


def _send(
    *events: tuple[str, dict],
    on_failure: Callable[[], Awaitable[None]] | None = None,
    count_failure: Callable[[], None] | None = None,
) -> None:
    """Publish (group, event) pairs, in order. On the server's event loop, or from a thread it
    started, they are handed to that loop and the caller goes on (the layer publishes them in
    one round trip); from plain sync code they go through the process's publisher loop and are
    waited for, PUBLISH_TIMEOUT at most. A failure is logged and never raised: what was saved
    stays saved. `on_failure` is then awaited on the loop (not from plain sync code);
    `count_failure` is called, wherever it happened (the metrics)."""
    layer = get_channel_layer()
    running = _running_loop()
    loop = running or _main_loop()
    if loop is None:
        if not isinstance(layer, RedisPubSubChannelLayer):
            for group, event in events:  # the in-memory layer stays local
                async_to_sync(layer.group_send)(group, event)
            return
        publishing = asyncio.run_coroutine_threadsafe(_publish(layer, events), _publisher_loop())
        try:
            publishing.result(timeout=PUBLISH_TIMEOUT)
        except Exception as error:  # Redis away or hanging (TimeoutError)
            publishing.cancel()
            logger.warning("chat events not published: %r", error)
            if count_failure is not None:
                count_failure()
        return

    def schedule() -> None:
        sends = []
        for group, event in events:  # tasks start in order: so are the events published
            sends.append(loop.create_task(layer.group_send(group, event)))
            sends[-1].add_done_callback(_log_failure)
        if on_failure is not None or count_failure is not None:
            asyncio.gather(*sends).add_done_callback(
                partial(_tell_if_failed, on_failure, count_failure)
            )

    if loop is running:
        schedule()
    else:
        loop.call_soon_threadsafe(schedule)


async def _publish(layer, events) -> None:
    await asyncio.gather(*(layer.group_send(group, event) for group, event in events))


def announce_message(message: Message) -> None:
    """The conversation's sockets get the message; each person's other pages (the unread
    badge, the inbox) are told too, and count their unread themselves."""
    payload = message_payload(message)
    events = [
        (conversation_group(message.conversation_id), {"type": "chat.message", "message": payload}),
        (user_group(message.recipient_id), {"type": "user.unread", "message": payload}),
    ]
    if message.sender_id:
        activity = {"type": "user.activity", "message": payload}
        events.append((user_group(message.sender_id), activity))
    listener = undelivered_listener.get()
    _send(
        *events,
        on_failure=partial(listener, message) if listener else None,
        count_failure=CHAT_MESSAGES_UNDELIVERED.inc,
    )


def announce_signed_out(user_id: int) -> None:
    """The password changed or the account was deactivated: every open socket closes."""
    _send((sessions_group(user_id), {"type": "session.ended"}))


def announce_read(conversation_id: int, reader_id: int, up_to: int) -> None:
    read = {"type": "chat.read", "user": reader_id, "up_to": up_to}
    _send(
        (conversation_group(conversation_id), read),
        (user_group(reader_id), {"type": "user.unread", "message": None}),
    )
