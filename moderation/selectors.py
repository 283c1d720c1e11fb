"""Every read the moderators' screens need."""

from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from moderation.models import AuditEntry, Ban, ListingFlag, Report, TargetType

# --- Reports (helper `reports`) -----------------------------------------------------------------


def open_reports_on_same_target() -> Subquery:
    """How many open reports share a report's target (itself included)."""
    same = (
        Report.objects.filter(
            target_type=OuterRef("target_type"),
            target_id=OuterRef("target_id"),
            resolved_at__isnull=True,
        )
        .order_by()
        .values("target_type")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(same, output_field=IntegerField()), 0)


def people_reports_open(queryset: QuerySet[Report] | None = None) -> QuerySet[Report]:
    """Open reports about users and chat messages, oldest first, with who and how many."""
    queryset = Report.objects.all() if queryset is None else queryset
    return (
        queryset.filter(
            target_type__in=[TargetType.USER, TargetType.MESSAGE], resolved_at__isnull=True
        )
        .select_related("reporter", "subject")
        .annotate(open_on_target=open_reports_on_same_target())
        .order_by("created_at", "id")
    )


def message_with_neighbours(*, message_id: int, around: int = 5) -> dict | None:
    """A reported message with the `around` messages before and after it in its conversation."""
    from chat.models import Message

    message = (
        Message.objects.select_related("sender", "conversation__listing")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return None
    same = Message.objects.filter(conversation_id=message.conversation_id).select_related("sender")
    before = list(same.filter(id__lt=message.pk).order_by("-id")[:around])[::-1]
    after = list(same.filter(id__gt=message.pk).order_by("id")[:around])
    return {"message": message, "messages": [*before, message, *after]}


def user_recent_listings(*, user_id: int, limit: int = 5) -> list:
    from listings.models import Listing

    return list(Listing.objects.filter(seller_id=user_id).order_by("-created_at", "-id")[:limit])


# --- Hold reasons (helper `rules`) --------------------------------------------------------------


def open_listing_flags() -> QuerySet[ListingFlag]:
    """The reasons ads are on review now (for a Prefetch on the ads' `flags`)."""
    return ListingFlag.objects.filter(resolved_at__isnull=True).order_by("created_at", "id")


def review_reasons(flags) -> list[str]:
    """The distinct codes of an ad's open flags, oldest first: what its seller is told."""
    return list(dict.fromkeys(flag.code for flag in flags))


# --- Bans (helper `bans`) ---------------------------------------------------------------------


def ban_open_for(*, user_id: int) -> Ban | None:
    """The ban in force on the user, if any."""
    return Ban.objects.filter(user_id=user_id, lifted_at__isnull=True).first()


# A flag raised this soon after the ad was created was raised by the rules at posting.
AT_POSTING = timedelta(seconds=30)


def listing_never_public(*, listing) -> bool:
    """An ad the automatic rules held when it was posted, and no moderator has approved since:
    nobody has seen it yet, so its approval is its publication (saved searches' alerts, its
    place among the newest)."""
    approved = AuditEntry.objects.filter(
        action=AuditEntry.Action.APPROVE, target_type=TargetType.LISTING, target_id=listing.pk
    )
    if approved.exists():
        return False
    return ListingFlag.objects.filter(
        listing=listing, created_at__lte=listing.created_at + AT_POSTING
    ).exists()
