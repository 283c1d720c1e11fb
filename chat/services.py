"""Every write to the chat. A message is in the database before anyone is told of it."""

import re
from functools import partial
from typing import NamedTuple

import psycopg
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import events, selectors
from chat.errors import (
    Blocked,
    CannotBlock,
    CannotStartConversation,
    ConversationNotFound,
    FloodLimited,
    InvalidMessage,
    MessageNotSaved,
    RecipientBanned,
)
from chat.models import Conversation, Message, UserBlock
from chat.warnings import warning_for
from listings.models import Listing
from zattar import asyncdb
from zattar.metrics import CHAT_MESSAGES_SENT

MAX_BODY = 2000


def conversation_start(*, listing: Listing, buyer) -> tuple[Conversation, bool]:
    """The buyer's conversation about the ad, created on first contact."""
    if listing.seller_id == buyer.pk:
        raise CannotStartConversation(_("This is your own ad."))
    if selectors.is_blocked_between(buyer.pk, listing.seller_id):
        raise blocked_error()
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
    # NUL cannot be stored in PostgreSQL text; it is never part of a real message.
    text = body.replace("\x00", "").strip() if isinstance(body, str) else ""
    if not text:
        raise InvalidMessage(_("The message is empty."))
    if len(text) > MAX_BODY:
        raise InvalidMessage(
            _("A message can have at most %(max)d characters.") % {"max": MAX_BODY}
        )
    return text


CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def clean_client_id(value) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        raise InvalidMessage(
            _("“client_id” takes up to 64 letters, digits and _ . : - characters.")
        )
    return value


def blocked_error() -> Blocked:
    return Blocked(_("One of you has blocked the other: messages cannot be sent."))


def flood_limited() -> FloodLimited:
    return FloodLimited(
        _("Too many messages: wait a few seconds before sending more."),
        retry_after=settings.CHAT_FLOOD_WINDOW_SECONDS,
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
    (a socket checks at connect); otherwise they are looked up and checked here. Flood
    control counts the sender's messages of the last CHAT_FLOOD_WINDOW_SECONDS, across every
    conversation and server process."""
    if participants is None:
        conversation = selectors.conversation_participants(
            conversation_id=conversation_id, user=sender
        )
        if conversation is None:
            raise ConversationNotFound()
        participants = (conversation.buyer_id, conversation.seller_id)
    message = _unsaved(conversation_id, sender, body, client_id, participants)
    try:
        created = _insert_checked(message)
    except IntegrityError:  # foreign keys: the conversation was deleted with its ad meanwhile
        raise ConversationNotFound() from None
    if not created:
        return Sent(_saved_before(message), created=False)
    transaction.on_commit(partial(_announce_sent, message))
    return Sent(message, created=True)


def _announce_sent(message: Message) -> None:
    CHAT_MESSAGES_SENT.labels("http").inc()  # committed: it counts
    events.announce_message(message)


async def amessage_send(
    *, conversation_id: int, sender, body, client_id: str = "", participants: tuple[int, int]
) -> Sent:
    """message_send for a socket, whose participants were checked when it connected. The
    statement runs on the event loop (zattar.asyncdb): no thread, no ORM."""
    message = _unsaved(conversation_id, sender, body, client_id, participants)
    try:
        row = await asyncdb.fetchone(
            INSERT_CHECKED, _insert_params(message), idempotent=bool(message.client_id)
        )
    except psycopg.IntegrityError:  # the conversation was deleted with its ad meanwhile
        raise ConversationNotFound() from None
    except psycopg.OperationalError:  # PostgreSQL restarting, or unreachable
        raise MessageNotSaved(_("The message was not sent: try again in a moment.")) from None
    if not _took(message, row):
        repeated = await database_sync_to_async(_saved_before, thread_sensitive=False)(message)
        return Sent(repeated, created=False)
    CHAT_MESSAGES_SENT.labels("socket").inc()
    events.announce_message(message)  # autocommit: it is saved
    return Sent(message, created=True)


def _unsaved(conversation_id, sender, body, client_id, participants) -> Message:
    text = clean_body(body)
    client_id = clean_client_id(client_id)
    if sender.pk not in participants:
        raise ConversationNotFound()
    buyer_id, seller_id = participants
    return Message(
        conversation_id=conversation_id,
        sender=sender,
        recipient_id=seller_id if sender.pk == buyer_id else buyer_id,
        body=text,
        client_id=client_id,
        warning=warning_for(text),
    )


def _saved_before(message: Message) -> Message:
    """The message a resent client_id saved (after a lost connection, or twice at once)."""
    repeated = Message.objects.filter(
        conversation_id=message.conversation_id,
        sender_id=message.sender_id,
        client_id=message.client_id,
    ).first()
    if repeated is None:  # deleted with its conversation meanwhile
        raise ConversationNotFound()
    return repeated


# The hot path of the chat, one statement and one round trip: count the sender's recent
# messages, insert unless flooding, a resend (the unique client_id), a block between the two
# people or a banned recipient, move the conversation up the inbox. The ORM would take five
# statements and a transaction.
INSERT_CHECKED = """
WITH previous AS (
    SELECT id FROM chat_message
    WHERE %(client_id)s <> '' AND conversation_id = %(conversation)s
        AND sender_id = %(sender)s AND client_id = %(client_id)s
), recent AS (
    SELECT count(*) AS sent FROM chat_message
    WHERE sender_id = %(sender)s AND created_at > now() - make_interval(secs => %(window)s)
), blocked AS (
    SELECT EXISTS (
        SELECT FROM chat_userblock
        WHERE (blocker_id = %(sender)s AND blocked_id = %(recipient)s)
            OR (blocker_id = %(recipient)s AND blocked_id = %(sender)s)
    ) AS yes
), gone AS (
    SELECT NOT EXISTS (
        SELECT FROM accounts_user WHERE id = %(recipient)s AND is_active
    ) AS yes
), saved AS (
    INSERT INTO chat_message
        (conversation_id, sender_id, recipient_id, body, client_id, warning, created_at)
    SELECT %(conversation)s, %(sender)s, %(recipient)s, %(body)s, %(client_id)s, %(warning)s, now()
    FROM recent, blocked, gone
    WHERE recent.sent < %(limit)s AND NOT blocked.yes AND NOT gone.yes
        AND NOT EXISTS (SELECT FROM previous)
    ON CONFLICT (conversation_id, sender_id, client_id) WHERE NOT (client_id = '') DO NOTHING
    RETURNING id, created_at
), touched AS (
    UPDATE chat_conversation SET last_message_at = saved.created_at
    FROM saved WHERE chat_conversation.id = %(conversation)s
)
SELECT recent.sent, saved.id, saved.created_at, EXISTS (SELECT FROM previous), blocked.yes,
    gone.yes
FROM recent CROSS JOIN blocked CROSS JOIN gone LEFT JOIN saved ON true
"""


def _insert_params(message: Message) -> dict:
    return {
        "sender": message.sender_id,
        "window": settings.CHAT_FLOOD_WINDOW_SECONDS,
        "limit": settings.CHAT_FLOOD_LIMIT,
        "conversation": message.conversation_id,
        "recipient": message.recipient_id,
        "body": message.body,
        "client_id": message.client_id,
        "warning": message.warning,
    }


def _took(message: Message, row: tuple) -> bool:
    """INSERT_CHECKED's answer: True if saved (the message gets its id and time), False for a
    resend (acknowledged even over the flood limit or a block); Blocked if either person
    blocked the other, RecipientBanned if the moderators banned the recipient, FloodLimited if
    the sender is over the limit."""
    sent, pk, created_at, resent, blocked, gone = row
    if pk is None:
        if not resent and blocked:
            raise blocked_error()
        if not resent and gone:
            raise RecipientBanned(
                _("This user is blocked by Zattar's moderators: messages cannot be sent.")
            )
        if not resent and sent >= settings.CHAT_FLOOD_LIMIT:
            raise flood_limited()
        return False  # a resend, or the same client_id saved at this very moment
    message.pk, message.created_at = pk, created_at
    return True


def _insert_checked(message: Message) -> bool:
    """PostgreSQL, from sync code: INSERT_CHECKED through Django's connection."""
    with connection.cursor() as cursor:
        cursor.execute(INSERT_CHECKED, _insert_params(message))
        return _took(message, cursor.fetchone())


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


def user_block(*, blocker, blocked) -> tuple[UserBlock, bool]:
    """`blocker` blocks `blocked`: no messages either way from now on, and neither sees the
    other's ads in search. Blocking again changes nothing (False: it was there)."""
    if blocker.pk == blocked.pk:
        raise CannotBlock(_("You cannot block yourself."))
    with transaction.atomic():
        block, created = UserBlock.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block, created


def user_unblock(*, blocker, blocked) -> bool:
    """Lift `blocker`'s block of `blocked` (the other's block, if any, stays); False if there
    was none."""
    deleted, _kinds = UserBlock.objects.filter(blocker=blocker, blocked=blocked).delete()
    return bool(deleted)
