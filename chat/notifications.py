"""E-mail about chat messages nobody saw: a message still unread CHAT_EMAIL_DELAY_SECONDS after
it was sent, to a person who had no page of the site open since (chat.presence), is told by
e-mail through notifications.notify(), at most once per conversation per
CHAT_EMAIL_INTERVAL_SECONDS, with the unread text, the ad and a link to the conversation.

A sweep every minute (chat.tasks.unread_emails) finds them: no job per message, so the socket's
one-statement send stays as it is. Reading the conversation cancels what is pending by itself:
the sweep only looks at unread messages. Zattar's own notes (Safe Deal news, sender None) are
not e-mailed here: the deal's e-mail tells the same.

For each (conversation, recipient) the sweep takes the newest message that is due; the e-mail is
keyed by it (`chat:<conversation>:<message>`), so a rerun sends nothing twice. A later message
that was due while the conversation's last e-mail was less than an interval old is e-mailed when
the interval has passed, if still unread and unseen."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from chat import presence, selectors
from chat.models import Message
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notify

EVENT = "chat/message"
SHOWN = 5  # unread messages quoted in one e-mail, the newest


def _key_of(conversation_id, message_id) -> str:
    return f"chat:{conversation_id}:{message_id}"


def unread_emails_send(*, now: datetime | None = None) -> int:
    """E-mail everyone with a due, unread, unseen message (see the module); returns how many
    were told. Idempotent, and safe from several processes at once (the notification's key)."""
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.CHAT_EMAIL_DELAY_SECONDS)
    interval = timedelta(seconds=settings.CHAT_EMAIL_INTERVAL_SECONDS)
    # A message due while the conversation's last e-mail was recent waits up to an interval.
    oldest = due - interval - timedelta(minutes=5)
    conversation_prefix = Concat(
        Value("chat:"), Cast(OuterRef("conversation_id"), CharField()), Value(":")
    )
    told = Notification.objects.filter(
        user_id=OuterRef("recipient_id"),
        key=Concat(conversation_prefix, Cast(OuterRef("pk"), CharField())),
    )
    recently = Notification.objects.filter(
        user_id=OuterRef("recipient_id"),
        key__startswith=conversation_prefix,
        created_at__gt=now - interval,
    )
    newest = list(
        Message.objects.filter(
            read_at=None, sender__isnull=False, created_at__lte=due, created_at__gt=oldest
        )
        .order_by("conversation_id", "recipient_id", "-id")
        .distinct("conversation_id", "recipient_id")
        .values("pk", "conversation_id", "recipient_id", "created_at")
    )
    fresh = set(
        Message.objects.filter(pk__in=[row["pk"] for row in newest])
        .exclude(Exists(told))
        .exclude(Exists(recently))
        .values_list("pk", flat=True)
    )
    candidates = [row for row in newest if row["pk"] in fresh]
    seen = presence.last_seen(sorted({row["recipient_id"] for row in candidates}))
    sent = 0
    for row in candidates:
        last = seen.get(row["recipient_id"])
        if last is not None and last >= row["created_at"]:
            continue  # a page was open: the badge told them
        sent += _tell(row["pk"])
    return sent


@transaction.atomic
def _tell(message_id: int) -> int:
    message = (
        Message.objects.select_related(
            "conversation__listing", "conversation__buyer", "conversation__seller", "recipient"
        )
        .filter(pk=message_id, read_at=None)
        .first()
    )
    if message is None:  # read (or deleted with its ad) meanwhile
        return 0
    conversation = message.conversation
    recipient = message.recipient
    sender = conversation.other(recipient)
    if not recipient.is_active or selectors.is_blocked_between(recipient.pk, sender.pk):
        return 0
    unread = list(
        Message.objects.filter(conversation=conversation, recipient=recipient, read_at=None)
        .order_by("-id")[:SHOWN]
        .select_related("sender")
    )
    total = selectors.unread_in(conversation_id=conversation.pk, user=recipient)
    created = notify(
        user=recipient,
        kind=Kind.MESSAGES,
        event=EVENT,
        key=_key_of(conversation.pk, message.pk),
        context={
            "sender": sender,
            "listing": conversation.listing,
            "messages": list(reversed(unread)),
            "more": max(total - len(unread), 0),
        },
        url=reverse("chat:conversation", args=[conversation.pk]),
    )
    return int(created is not None)
