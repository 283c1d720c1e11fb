"""What the chat tells the sockets, after the database has it. Group names and payloads live
here so that services, consumers and tests agree on them."""

import asyncio
import logging
import os
import threading

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from chat.models import Message


def conversation_group(conversation_id: int) -> str:
    return f"chat.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def message_payload(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": message.sender_id,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
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


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("chat event not published", exc_info=task.exception())


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


def _send(*events: tuple[str, dict]) -> None:
    """Publish (group, event) pairs, in order. On the server's event loop, or from a thread it
    started, they are handed to that loop and the caller goes on (the layer publishes them in
    one round trip); from plain sync code they go through the process's publisher loop and are
    waited for."""
    layer = get_channel_layer()
    running = _running_loop()
    loop = running or _main_loop()
    if loop is None:
        if not isinstance(layer, RedisPubSubChannelLayer):
            for group, event in events:  # the in-memory layer stays local
                async_to_sync(layer.group_send)(group, event)
            return
        publishing = asyncio.run_coroutine_threadsafe(_publish(layer, events), _publisher_loop())
        publishing.result(timeout=10)
        return

    def schedule() -> None:
        for group, event in events:  # tasks start in order: so are the events published
            loop.create_task(layer.group_send(group, event)).add_done_callback(_log_failure)

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
    _send(*events)


def announce_read(conversation_id: int, reader_id: int, up_to: int) -> None:
    read = {"type": "chat.read", "user": reader_id, "up_to": up_to}
    _send(
        (conversation_group(conversation_id), read),
        (user_group(reader_id), {"type": "user.unread", "message": None}),
    )
