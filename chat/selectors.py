"""Every read of the chat. A conversation exists only for its two participants."""

from typing import NamedTuple

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)

from chat.models import Conversation, Message, UserBlock
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
        .annotate(other_id=_other_of(user))
        .annotate(
            **_block_annotations(user),
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


# unread_total as one plain statement (parameter: the user's id), for the header's badges, which
# every signed-in page shows: zattar.viewer reads both badges (and the page's hearts) in one query.
UNREAD_TOTAL_SQL = (
    f"SELECT count(*) FROM {Message._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL"
)


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


# --- Blocks ---------------------------------------------------------------------------------


def blocked_user_ids(user=None, *, user_id: int | None = None) -> QuerySet:
    """The ids of everyone the user blocked or was blocked by, as a lazy query: a list of ids
    when evaluated, a subquery inside another query (search excludes their ads at no extra
    round trip). Empty for a visitor."""
    if user_id is None:
        if not getattr(user, "is_authenticated", False):
            return UserBlock.objects.none().values_list("blocked_id", flat=True)
        user_id = user.pk
    return (
        UserBlock.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id))
        .annotate(
            other=Case(When(blocker_id=user_id, then=F("blocked_id")), default=F("blocker_id"))
        )
        .values_list("other", flat=True)
    )


def is_blocked_between(first_id: int, second_id: int) -> bool:
    return UserBlock.objects.filter(
        Q(blocker_id=first_id, blocked_id=second_id) | Q(blocker_id=second_id, blocked_id=first_id)
    ).exists()


class BlockState(NamedTuple):
    by_me: bool  # I blocked them
    by_other: bool  # they blocked me

    @property
    def blocked(self) -> bool:
        return self.by_me or self.by_other


def block_state(*, user, other_id: int) -> BlockState:
    """Who blocked whom between the signed-in user and another person: one query."""
    if not getattr(user, "is_authenticated", False) or user.pk == other_id:
        return BlockState(False, False)
    blockers = set(
        UserBlock.objects.filter(
            Q(blocker=user, blocked_id=other_id) | Q(blocker_id=other_id, blocked=user)
        ).values_list("blocker_id", flat=True)
    )
    return BlockState(by_me=user.pk in blockers, by_other=other_id in blockers)


def _other_of(user) -> Case:
    return Case(When(buyer=user, then=F("seller_id")), default=F("buyer_id"))


def _block_annotations(user) -> dict:
    """`blocked_by_me` and `blocked_me` for each of the user's conversations (annotated with
    `other_id`), in its query."""
    other = OuterRef("other_id")
    return {
        "blocked_by_me": Exists(UserBlock.objects.filter(blocker=user, blocked_id=other)),
        "blocked_me": Exists(UserBlock.objects.filter(blocker_id=other, blocked=user)),
    }


def users_blocked_by(*, user) -> QuerySet[UserBlock]:
    """Whom the user blocked, the latest first, with each person."""
    return (
        UserBlock.objects.filter(blocker=user)
        .select_related("blocked")
        .order_by("-created_at", "-id")
    )


def person_to_block(*, user_id: int):
    """Whom a block or unblock is about: any account, a banned one included (his victim may
    block him, and lift an earlier block, whatever the moderators decided), or None."""
    from accounts.models import User

    if not 0 < user_id < 2**63:
        return None
    return User.objects.filter(pk=user_id).first()
