"""WebSocket transport for the chat: authenticate, check membership, call a service, relay.

Every bad frame gets `{"type": "error", "code", "detail"}` and the socket stays open. A socket
that is refused is accepted first, told why, and closed: a close before the handshake reaches a
browser as a failed connection (1006), which it cannot tell from a network error. Close codes:
4403 not signed in, 4404 no such conversation (final: clients stop reconnecting), 4503 the live
channel (Redis) is away (retryable: reconnect with `?after=<last id>`).
"""

import json
import time
from contextlib import suppress

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from chat import events, presence, selectors, services
from chat.models import Message
from notifications import selectors as notification_selectors
from zattar.errors import DomainError
from zattar.ids import parse_id
from zattar.layers import LAYER_ERRORS
from zattar.metrics import CHAT_MESSAGES_DELIVERED, CHAT_OPEN_SOCKETS

CLOSE_UNAUTHENTICATED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN = 4503
REPLAY_PAGE = 200
MAX_EVENT_CHARS = 32 * 1024  # a full message, escaped, is well below (daphne cuts at 1 MiB)
MAX_ID = 2**63 - 1  # PostgreSQL bigint
SENT_MEMORY = 500  # message ids a chat socket remembers having sent, to send each once
RESYNC_OVERLAP = 20  # after an outage, replay from this many messages back (see resync_point)


def in_thread_pool(function):
    """Database work off the event loop, in parallel threads (each its own connection): the
    default would queue every socket's writes behind one thread."""
    return database_sync_to_async(function, thread_sensitive=False)


def unavailable_event() -> dict:
    detail = _("Live updates are unavailable right now: reconnecting in a moment.")
    return {"type": "error", "code": "unavailable", "detail": detail}


class SocketConsumer(AsyncJsonWebsocketConsumer):
    """Channels closes stale database connections before every event, with a hop to the sync
    thread each time: for a chat, a thread hop per message and per delivery. These consumers
    reach the database only through `database_sync_to_async`, which does that cleanup itself in
    the thread that uses the connection, or through zattar.asyncdb."""

    group: str | None = None  # set once the socket is subscribed: it is live
    sessions: str | None = None  # the person's sessions group, to hear of being signed out
    kind = "socket"  # its label in zattar_chat_open_sockets
    counted = False  # accepted, and counted as open until the consumer ends

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except LAYER_ERRORS:
            if hasattr(self, "channel_name"):
                raise
            # Redis refused the consumer's own channel, before anything was received: the
            # client is told to come back, rather than seeing its handshake fail.
            if (await receive())["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.send", "text": json.dumps(unavailable_event())})
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})
        finally:  # however it ended (closed, cancelled, failed)
            if self.counted:
                CHAT_OPEN_SOCKETS.labels(self.kind).dec()

    async def accept(self, subprotocol=None, headers=None) -> None:
        await super().accept(subprotocol, headers)
        if not self.counted:
            self.counted = True
            CHAT_OPEN_SOCKETS.labels(self.kind).inc()

    async def dispatch(self, message: dict) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def subscribe(self, group: str) -> bool:
        """Join the group and the person's sessions group, or (Redis away) tell the client to
        come back later and close."""
        sessions = events.sessions_group(self.scope["user"].pk)
        try:
            await self.channel_layer.group_add(group, self.channel_name)
            await self.channel_layer.group_add(sessions, self.channel_name)
            self.sessions = sessions
        except LAYER_ERRORS:
            await self.accept()
            await self.send_json(unavailable_event())
            await self.close(code=CLOSE_TRY_AGAIN)
            return False
        self.group = group
        return True

    async def refuse(self, close_code: int, code: str, detail: str) -> None:
        await self.accept()
        await self.error(code, detail)
        await self.close(code=close_code)

    async def refuse_anonymous(self) -> None:
        await self.refuse(CLOSE_UNAUTHENTICATED, "not_authenticated", _("Sign in to chat."))

    async def disconnect(self, code) -> None:
        for group in (self.group, self.sessions):
            if group:
                with suppress(*LAYER_ERRORS):  # Redis is away: its subscriptions went with it
                    await self.channel_layer.group_discard(group, self.channel_name)
        if self.group:  # it was live: the person had a page open until now
            await in_thread_pool(presence.seen)(self.scope["user"].pk)

    async def session_ended(self, event: dict) -> None:
        """Signed out everywhere (a new password, a deactivated account): final."""
        await self.error("signed_out", _("You were signed out. Sign in again to chat."))
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": str(detail)})

    async def event_of(self, text_data: str | None) -> dict | None:
        """The frame as a JSON object, or None when the client was told what is wrong."""
        if text_data is None:
            await self.error("invalid_json", _("Send text frames with JSON objects."))
            return None
        if len(text_data) > MAX_EVENT_CHARS:
            await self.error(
                "too_large",
                _("An event can be at most %(max)d characters long.") % {"max": MAX_EVENT_CHARS},
            )
            return None
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            content = None
        if not isinstance(content, dict):
            await self.error("invalid_json", _("Send JSON objects."))
            return None
        # Frames arrive as valid UTF-8, but a JSON escape can still name half a surrogate
        # pair ("\ud800"), which no database or client can store.
        if "\\u" in text_data:
            try:
                json.dumps(content, ensure_ascii=False).encode()
            except UnicodeEncodeError:
                await self.error("invalid_json", _("Text must be valid Unicode."))
                return None
        return content

    async def layer_reconnected(self, event: dict) -> None:
        """Redis is back after an outage (zattar.layers): what was published meanwhile never
        came. Each socket catches up its own way."""


class ChatConsumer(SocketConsumer):
    """`/api/v1/ws/chat/<conversation_id>/?after=<message id>`: one conversation, live."""

    kind = "chat"
    last_typing = 0.0

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if not getattr(self.user, "is_authenticated", False):
            await self.refuse_anonymous()
            return
        self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        conversation = None
        if self.conversation_id <= MAX_ID:
            conversation = await database_sync_to_async(selectors.conversation_for_participant)(
                conversation_id=self.conversation_id, user=self.user
            )
        if conversation is None:
            await self.refuse(CLOSE_NOT_FOUND, "not_found", _("No such conversation."))
            return
        self.conversation = conversation
        self.sent: dict[int, None] = {}  # ids sent to this socket, oldest first
        if not await self.subscribe(events.conversation_group(self.conversation_id)):
            return
        await self.accept()
        await in_thread_pool(presence.seen)(self.user.pk)
        after = parse_id(self.query_param("after"))
        if after is None:  # the client has what its page showed: the latest is the mark
            latest = await in_thread_pool(selectors.messages_page)(
                conversation=self.conversation, limit=1
            )
            self.caught_up_to = latest[0].pk if latest else 0
        else:
            self.caught_up_to = after
            await self.replay_after(after)

    def query_param(self, name: str) -> str | None:
        from urllib.parse import parse_qs

        values = parse_qs(self.scope.get("query_string", b"").decode()).get(name)
        return values[0] if values else None

    async def replay_after(self, after: int) -> None:
        """Everything newer than `after`, in order, each message once."""
        while True:
            missed = await in_thread_pool(selectors.messages_page)(
                conversation=self.conversation, after=after, limit=REPLAY_PAGE
            )
            for message in missed:
                await self.deliver(events.message_payload(message))
            if len(missed) < REPLAY_PAGE:
                return
            after = missed[-1].pk

    async def deliver(self, payload: dict) -> None:
        """A message to this socket, unless it was sent already (live and in a replay)."""
        if payload["id"] in self.sent:
            return
        self.sent[payload["id"]] = None
        if len(self.sent) > SENT_MEMORY:
            del self.sent[next(iter(self.sent))]
        await self.send_json({"type": "message", "message": payload})
        CHAT_MESSAGES_DELIVERED.inc()

    def resync_point(self) -> int:
        """Where to replay from after an outage: a few messages before the newest sent. Ids are
        taken before commit, so two messages saved at once can be announced out of order, and
        the one announced last may be the one that was lost; `deliver` skips the others."""
        recent = list(self.sent)[-RESYNC_OVERLAP:]
        return min(recent) if recent else self.caught_up_to

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if self.group is None:
            return  # refused and closing
        content = await self.event_of(text_data)  # None for a binary frame
        if content is None:
            return
        kind = content.get("type")
        try:
            if kind == "message":
                await self.send_message(content)
            elif kind == "typing":
                await self.typing()
            elif kind == "read":
                up_to = content.get("up_to")
                if not isinstance(up_to, int) or isinstance(up_to, bool) or not 0 < up_to <= MAX_ID:
                    await self.error("invalid_read", _("“up_to” must be a message id."))
                    return
                await in_thread_pool(services.messages_mark_read)(
                    conversation_id=self.conversation_id, reader=self.user, up_to=up_to
                )
            else:
                await self.error("unknown_type", _("Unknown event type."))
        except DomainError as error:
            await self.send_json({"type": "error", **error.as_dict()})

    async def send_message(self, content: dict) -> None:
        listening = events.undelivered_listener.set(self.message_undelivered)
        try:
            sent = await services.amessage_send(
                conversation_id=self.conversation_id,
                sender=self.user,
                body=content.get("body"),
                client_id=content.get("client_id") or "",
                participants=(self.conversation.buyer_id, self.conversation.seller_id),
            )
        finally:
            events.undelivered_listener.reset(listening)
        if not sent.created:  # a resend: acknowledge to this socket only
            await self.send_json(
                {"type": "message", "message": events.message_payload(sent.message)}
            )

    async def message_undelivered(self, message: Message) -> None:
        """Saved, but Redis did not take the announcement: the sender has it now; the other
        side gets it when Redis is back (every socket replays then) or when it reconnects."""
        await self.send_json(
            {
                "type": "error",
                "code": "undelivered",
                "detail": _(
                    "Sent, but not delivered yet: it will be once the connection recovers."
                ),
                "message_id": message.pk,
                "message": events.message_payload(message),
            }
        )

    async def typing(self) -> None:
        now = time.monotonic()
        if now - self.last_typing < settings.CHAT_TYPING_INTERVAL_SECONDS:
            return  # throttled: the other side already knows
        self.last_typing = now
        with suppress(*LAYER_ERRORS):  # Redis is away: a typing hint is not worth an error
            await self.channel_layer.group_send(
                self.group, {"type": "chat.typing", "user": self.user.pk}
            )

    # --- Group events ---------------------------------------------------------------------------

    async def chat_message(self, event: dict) -> None:
        await self.deliver(event["message"])

    async def chat_typing(self, event: dict) -> None:
        if event["user"] != self.user.pk:
            await self.send_json({"type": "typing", "user": event["user"]})

    async def chat_read(self, event: dict) -> None:
        await self.send_json({"type": "read", "user": event["user"], "up_to": event["up_to"]})

    async def layer_reconnected(self, event: dict) -> None:
        await self.replay_after(self.resync_point())


class NotificationsConsumer(SocketConsumer):
    """`/api/v1/ws/me/`: the user's unread count and inbox activity, on every page."""

    kind = "notifications"

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self.refuse_anonymous()
            return
        if not await self.subscribe(events.user_group(user.pk)):
            return
        await self.accept()
        await self.send_unread(seen=True)
        await self.send_notifications()

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        await self.error("read_only", _("This socket only tells: it takes no events."))

    async def send_notifications(self) -> None:
        """The bell: how many of the person's notifications are unread."""
        count = await database_sync_to_async(notification_selectors.unread_count)(
            user=self.scope["user"]
        )
        await self.send_json({"type": "notifications", "unread": count})

    async def user_notification(self, event: dict) -> None:
        """A notification was created or read (notifications.services, on commit)."""
        await self.send_notifications()

    async def send_unread(self, *, seen: bool = False, **extra) -> None:
        count = await database_sync_to_async(self.unread_count)(seen=seen)
        await self.send_json({"type": "unread", "count": count, **extra})

    def unread_count(self, *, seen: bool) -> int:
        """The badge's count; `seen`: the page is open as something new reaches the person
        (chat.presence: no e-mail for what they could see), in the same thread hop."""
        user = self.scope["user"]
        if seen:
            presence.seen(user.pk)
        return selectors.unread_total(user=user)

    async def user_unread(self, event: dict) -> None:
        await self.send_unread(message=event.get("message"), seen=True)

    async def user_activity(self, event: dict) -> None:
        await self.send_json({"type": "activity", "message": event["message"]})

    async def layer_reconnected(self, event: dict) -> None:
        await self.send_unread()  # the badge is right again, and the inbox reloads
        await self.send_notifications()
