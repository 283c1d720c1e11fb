"""Every write to the chat. A message is in the database before anyone is told of it."""

import time
from functools import partial

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


def flood_check(*, user_id: int) -> None:
    """At most CHAT_FLOOD_LIMIT messages per window: a sliding window from two counters."""
    window = settings.CHAT_FLOOD_WINDOW_SECONDS
    now = time.time()
    bucket = int(now // window)
    key = f"chat-flood:{user_id}:{bucket}"
    cache.add(key, 0, window * 2)
    current = cache.incr(key)
    previous = cache.get(f"chat-flood:{user_id}:{bucket - 1}", 0)
    weight = 1 - (now % window) / window
    if current + previous * weight > settings.CHAT_FLOOD_LIMIT:
        raise FloodLimited(
            _("Too many messages: wait a few seconds before sending more."),
            retry_after=window,
        )


def message_send(*, conversation_id: int, sender, body, client_id: str = "") -> Message:
    """Save a message, then tell both people's sockets (after commit)."""
    text = clean_body(body)
    client_id = str(client_id or "")[:64]
    with transaction.atomic():
        conversation = selectors.conversation_for_participant(
            conversation_id=conversation_id, user=sender
        )
        if conversation is None:
            raise ConversationNotFound()
        if client_id:
            repeated = Message.objects.filter(
                conversation=conversation, sender=sender, client_id=client_id
            ).first()
            if repeated:
                return repeated  # a resend after a lost connection: saved once, told once
        flood_check(user_id=sender.pk)
        message = Message.objects.create(
            conversation=conversation,
            sender=sender,
            recipient_id=(
                conversation.seller_id
                if sender.pk == conversation.buyer_id
                else conversation.buyer_id
            ),
            body=text,
            client_id=client_id,
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
        unread = selectors.unread_total(user=message.recipient)
        transaction.on_commit(partial(events.announce_message, message, unread))
    return message


@transaction.atomic
def messages_mark_read(*, conversation_id: int, reader, up_to: int) -> int:
    """Mark the other side's messages up to `up_to` as read; returns how many changed."""
    conversation = selectors.conversation_for_participant(
        conversation_id=conversation_id, user=reader
    )
    if conversation is None:
        raise ConversationNotFound()
    changed = Message.objects.filter(
        conversation=conversation, recipient=reader, read_at=None, id__lte=up_to
    ).update(read_at=timezone.now())
    if changed:
        left = selectors.unread_total(user=reader)
        transaction.on_commit(
            partial(events.announce_read, conversation.pk, reader.pk, up_to, left)
        )
    return changed
