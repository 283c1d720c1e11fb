"""Every read of the chat. A conversation exists only for its two participants."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery

from chat.models import Conversation, Message
from listings.models import ListingImage


def _of_participant(conversation_id: int, user) -> QuerySet[Conversation]:
    if not getattr(user, "is_authenticated", False):
        return Conversation.objects.none()
    return Conversation.objects.filter(pk=conversation_id).filter(Q(buyer=user) | Q(seller=user))


def conversation_for_participant(*, conversation_id: int, user) -> Conversation | None:
    return (
        _of_participant(conversation_id, user).select_related("listing", "buyer", "seller").first()
    )


def conversation_participants(*, conversation_id: int, user) -> Conversation | None:
    """Just the two people's ids, for writes: a primary-key lookup, no joins."""
    return _of_participant(conversation_id, user).only("id", "buyer_id", "seller_id").first()


def inbox(*, user) -> QuerySet[Conversation]:
    """The user's conversations, newest activity first, with what the inbox shows of each:
    the ad and its cover, both people, the last message and the unread count."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), recipient=user, read_at=None)
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Conversation.objects.filter(Q(buyer=user) | Q(seller=user))
        .select_related("listing", "buyer", "seller")
        .prefetch_related(
            Prefetch(
                "listing__images",
                queryset=ListingImage.objects.filter(position=0),
                to_attr="covers",
            )
        )
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_sender_id=Subquery(last.values("sender_id")[:1]),
            unread=Subquery(unread, output_field=IntegerField()),
        )
        .order_by("-last_message_at", "-id")
    )


def messages_page(
    *,
    conversation: Conversation,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[Message]:
    """Up to `limit` messages, oldest to newest: the latest ones, those before an id (older
    history), or those after an id (what a reconnecting client missed)."""
    qs = Message.objects.filter(conversation=conversation)
    if after is not None:
        return list(qs.filter(id__gt=after).order_by("id")[:limit])
    if before is not None:
        qs = qs.filter(id__lt=before)
    return list(reversed(qs.order_by("-id")[:limit]))


def unread_total(*, user=None, user_id: int | None = None) -> int:
    if user_id is None:
        if not getattr(user, "is_authenticated", False):
            return 0
        user_id = user.pk
    return Message.objects.filter(recipient_id=user_id, read_at=None).count()


def unread_in(*, conversation_id: int, user) -> int:
    return Message.objects.filter(
        conversation_id=conversation_id, recipient=user, read_at=None
    ).count()
