"""Every write to the chat. A message is in the database before anyone is told of it."""

import re
import time
from functools import cache as cache_for_process
from functools import partial
from typing import NamedTuple

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import events, selectors
from chat.errors import CannotStartConversation, ConversationNotFound, FloodLimited, InvalidMessage
from chat.models import Conversation, Message
from listings.models import Listing

MAX_BODY = 2000


def conversation_start(*, listing: Listing, buyer) -> tuple[Conversation, bool]:
    """The buyer's conversation about the ad, created on first contact."""
    if listing.seller_id == buyer.pk:
        raise CannotStartConversation(_("This is your own ad."))
    existing = Conversation.objects.filter(listing=listing, buyer=buyer).first()
    if existing:
        return existing, False
    if listing.status != Listing.Status.ACTIVE:
        raise CannotStartConversation(_("This ad is no longer active."))
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                listing=listing, buyer=buyer, seller_id=listing.seller_id
            )
    except IntegrityError:  # the same buyer, twice at once: the other request won
        return Conversation.objects.get(listing=listing, buyer=buyer), False
    return conversation, True


def clean_body(body) -> str:
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise InvalidMessage(_("The message is empty."))
    if len(text) > MAX_BODY:
        raise InvalidMessage(
            _("A message can have at most %(max)d characters.") % {"max": MAX_BODY}
        )
    return text


@cache_for_process
def _redis():
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)


def _window_counts(user_id: int, bucket: int, window: int) -> tuple[int, int]:
    """This window's count after adding one, and the previous window's: one round trip to Redis
    (or the local cache without Redis)."""
    key, previous_key = f"chat-flood:{user_id}:{bucket}", f"chat-flood:{user_id}:{bucket - 1}"
    if settings.REDIS_URL:
        current, _, previous = (
            _redis()
            .pipeline(transaction=False)
            .incr(key)
            .expire(key, window * 2)
            .get(previous_key)
            .execute()
        )
        return int(current), int(previous or 0)
    cache.add(key, 0, window * 2)
    return cache.incr(key), cache.get(previous_key, 0)


CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def clean_client_id(value) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        raise InvalidMessage(
            _("“client_id” takes up to 64 letters, digits and _ . : - characters.")
        )
    return value


def flood_check(*, user_id: int) -> None:
    """At most CHAT_FLOOD_LIMIT messages per window: a sliding window from two counters."""
    window = settings.CHAT_FLOOD_WINDOW_SECONDS
    now = time.time()
    current, previous = _window_counts(user_id, int(now // window), window)
    weight = 1 - (now % window) / window
    if current + previous * weight > settings.CHAT_FLOOD_LIMIT:
        raise FloodLimited(
            _("Too many messages: wait a few seconds before sending more."),
            retry_after=window,
        )


class Sent(NamedTuple):
    message: Message
    created: bool  # False: a resend of a client_id already saved (told before, not again)


def message_send(
    *,
    conversation_id: int,
    sender,
    body,
    client_id: str = "",
    participants: tuple[int, int] | None = None,
) -> Sent:
    """Save a message, then tell both people's sockets (after commit).

    `participants` (buyer id, seller id) comes from a caller that has checked them already
    (a socket checks at connect); otherwise they are looked up and checked here."""
    text = clean_body(body)
    client_id = clean_client_id(client_id)
    try:
        with transaction.atomic():
            return _save_message(conversation_id, sender, text, client_id, participants)
    except IntegrityError:
        # The same client_id twice at once (the other one won), or the conversation was
        # deleted with its ad meanwhile (foreign keys are checked at commit).
        repeated = Message.objects.filter(
            conversation_id=conversation_id, sender=sender, client_id=client_id or None
        ).first()
        if repeated:
            return Sent(repeated, created=False)
        raise ConversationNotFound() from None


def _save_message(conversation_id, sender, text, client_id, participants) -> Sent:
    if participants is None:
        conversation = selectors.conversation_participants(
            conversation_id=conversation_id, user=sender
        )
        if conversation is None:
            raise ConversationNotFound()
        participants = (conversation.buyer_id, conversation.seller_id)
    buyer_id, seller_id = participants
    if sender.pk not in participants:
        raise ConversationNotFound()
    if client_id:
        repeated = Message.objects.filter(
            conversation_id=conversation_id, sender=sender, client_id=client_id
        ).first()
        if repeated:
            return Sent(repeated, created=False)  # a resend after a lost connection
    flood_check(user_id=sender.pk)
    message = Message.objects.create(
        conversation_id=conversation_id,
        sender=sender,
        recipient_id=seller_id if sender.pk == buyer_id else buyer_id,
        body=text,
        client_id=client_id,
    )
    Conversation.objects.filter(pk=conversation_id).update(last_message_at=message.created_at)
    transaction.on_commit(partial(events.announce_message, message))
    return Sent(message, created=True)


@transaction.atomic
def messages_mark_read(*, conversation_id: int, reader, up_to: int) -> int:
    """Mark the other side's messages up to `up_to` as read; returns how many changed."""
    conversation = selectors.conversation_participants(conversation_id=conversation_id, user=reader)
    if conversation is None:
        raise ConversationNotFound()
    changed = Message.objects.filter(
        conversation=conversation, recipient=reader, read_at=None, id__lte=up_to
    ).update(read_at=timezone.now())
    if changed:
        transaction.on_commit(partial(events.announce_read, conversation.pk, reader.pk, up_to))
    return changed


def system_message_post(*, listing: Listing, buyer, body: str, unread_for) -> Message:
    """Zattar's own note in the buyer's conversation about the ad (Safe Deal news), created if
    needed; `unread_for` is the participant it is news to."""
    conversation, _ = Conversation.objects.get_or_create(
        listing=listing, buyer=buyer, defaults={"seller_id": listing.seller_id}
    )
    message = Message.objects.create(
        conversation=conversation, sender=None, recipient=unread_for, body=body[:MAX_BODY]
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    transaction.on_commit(partial(events.announce_message, message))
    return message
