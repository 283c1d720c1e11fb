"""WebSocket transport for the chat: authenticate, check membership, call a service, relay."""

import json
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from chat import events, selectors, services
from zattar.errors import DomainError
from zattar.ids import parse_id

CLOSE_UNAUTHENTICATED = 4403
CLOSE_NOT_FOUND = 4404
REPLAY_PAGE = 200


def in_thread_pool(function):
    """Database work off the event loop, in parallel threads (each its own connection): the
    default would queue every socket's writes behind one thread."""
    return database_sync_to_async(function, thread_sensitive=False)


class SocketConsumer(AsyncJsonWebsocketConsumer):
    """Channels closes stale database connections before every event, with a hop to the sync
    thread each time: for a chat, a thread hop per message and per delivery. These consumers
    reach the database only through `database_sync_to_async`, which does that cleanup itself in
    the thread that uses the connection, or through zattar.asyncdb."""

    async def dispatch(self, message: dict) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


class ChatConsumer(SocketConsumer):
    """`/api/v1/ws/chat/<conversation_id>/?after=<message id>`: one conversation, live."""

    group: str | None = None
    replayed_up_to = 0
    last_typing = 0.0

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if not getattr(self.user, "is_authenticated", False):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        conversation = await database_sync_to_async(selectors.conversation_for_participant)(
            conversation_id=self.conversation_id, user=self.user
        )
        if conversation is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.conversation = conversation
        self.group = events.conversation_group(self.conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        after = parse_id(self.query_param("after"))
        if after is not None:
            await self.replay_after(after)

    def query_param(self, name: str) -> str | None:
        from urllib.parse import parse_qs

        values = parse_qs(self.scope.get("query_string", b"").decode()).get(name)
        return values[0] if values else None

    async def replay_after(self, after: int) -> None:
        """Everything newer than `after`, in order, before any live event."""
        while True:
            missed = await database_sync_to_async(selectors.messages_page)(
                conversation=self.conversation, after=after, limit=REPLAY_PAGE
            )
            for message in missed:
                await self.send_json(
                    {"type": "message", "message": events.message_payload(message)}
                )
            if missed:
                after = self.replayed_up_to = missed[-1].pk
            if len(missed) < REPLAY_PAGE:
                return

    async def disconnect(self, code) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        try:
            content = json.loads(text_data or "")
        except (TypeError, ValueError):
            await self.error("invalid_json", _("Send JSON objects."))
            return
        if not isinstance(content, dict):
            await self.error("invalid_json", _("Send JSON objects."))
            return
        kind = content.get("type")
        try:
            if kind == "message":
                sent = await services.amessage_send(
                    conversation_id=self.conversation_id,
                    sender=self.user,
                    body=content.get("body"),
                    client_id=content.get("client_id") or "",
                    participants=(self.conversation.buyer_id, self.conversation.seller_id),
                )
                if not sent.created:  # a resend: acknowledge to this socket only
                    payload = events.message_payload(sent.message)
                    await self.send_json({"type": "message", "message": payload})
            elif kind == "typing":
                await self.typing()
            elif kind == "read":
                up_to = content.get("up_to")
                if not isinstance(up_to, int) or isinstance(up_to, bool):
                    await self.error("invalid_read", _("“up_to” must be a message id."))
                    return
                await in_thread_pool(services.messages_mark_read)(
                    conversation_id=self.conversation_id, reader=self.user, up_to=up_to
                )
            else:
                await self.error("unknown_type", _("Unknown event type."))
        except DomainError as error:
            await self.send_json({"type": "error", **error.as_dict()})

    async def typing(self) -> None:
        now = time.monotonic()
        if now - self.last_typing < settings.CHAT_TYPING_INTERVAL_SECONDS:
            return  # throttled: the other side already knows
        self.last_typing = now
        await self.channel_layer.group_send(
            self.group, {"type": "chat.typing", "user": self.user.pk}
        )

    async def error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": str(detail)})

    # --- Group events ---------------------------------------------------------------------------

    async def chat_message(self, event: dict) -> None:
        if event["message"]["id"] <= self.replayed_up_to:
            return  # already sent by the replay
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_typing(self, event: dict) -> None:
        if event["user"] != self.user.pk:
            await self.send_json({"type": "typing", "user": event["user"]})

    async def chat_read(self, event: dict) -> None:
        await self.send_json({"type": "read", "user": event["user"], "up_to": event["up_to"]})


class NotificationsConsumer(SocketConsumer):
    """`/api/v1/ws/me/`: the user's unread count and inbox activity, on every page."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = events.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        count = await database_sync_to_async(selectors.unread_total)(user=user)
        await self.send_json({"type": "unread", "count": count})

    async def disconnect(self, code) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        await self.send_json({"type": "error", "code": "read_only", "detail": "Nothing to send."})

    async def user_unread(self, event: dict) -> None:
        count = await database_sync_to_async(selectors.unread_total)(user=self.scope["user"])
        await self.send_json({"type": "unread", "count": count, "message": event.get("message")})

    async def user_activity(self, event: dict) -> None:
        await self.send_json({"type": "activity", "message": event["message"]})
