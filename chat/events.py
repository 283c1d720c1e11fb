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


def _send(group: str, event: dict) -> None:
    """Publish to a group. From a server thread the publish is handed to the server's event
    loop and the thread goes on (publishes keep their order: one connection, one lock); from
    plain sync code it goes through the process's publisher loop and is waited for."""
    layer = get_channel_layer()
    loop = _main_loop()
    if loop is None:
        if not isinstance(layer, RedisPubSubChannelLayer):
            async_to_sync(layer.group_send)(group, event)  # the in-memory layer stays local
            return
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, event), _publisher_loop())
        future.result(timeout=10)
        return

    def schedule() -> None:
        loop.create_task(layer.group_send(group, event)).add_done_callback(_log_failure)

    loop.call_soon_threadsafe(schedule)


def announce_message(message: Message) -> None:
    """The conversation's sockets get the message; each person's other pages (the unread
    badge, the inbox) are told too, and count their unread themselves."""
    payload = message_payload(message)
    _send(conversation_group(message.conversation_id), {"type": "chat.message", "message": payload})
    _send(user_group(message.recipient_id), {"type": "user.unread", "message": payload})
    if message.sender_id:
        _send(user_group(message.sender_id), {"type": "user.activity", "message": payload})


def announce_read(conversation_id: int, reader_id: int, up_to: int) -> None:
    _send(
        conversation_group(conversation_id),
        {"type": "chat.read", "user": reader_id, "up_to": up_to},
    )
    _send(user_group(reader_id), {"type": "user.unread", "message": None})
