"""Every moderation write: one atomic function per decision, each with its audit row."""

from collections.abc import Collection, Iterable
from typing import Any

from django.db import transaction

from moderation.models import AuditEntry, ListingFlag, TargetType


def audit_record(
    *,
    actor,
    action: AuditEntry.Action,
    target_type: TargetType,
    target_id: int,
    target_repr: str = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write the audit row of a decision; called inside the decision's own transaction, so the
    change and its record commit or roll back together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the change's transaction")
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=str(target_repr)[:200],
        reason=reason,
        before=before or {},
        after=after or {},
    )


def listing_screen(
    *,
    listing,
    resubmitted: bool = False,
    photo_hashes: Iterable[int | None] = (),
    changed: Collection[str] | None = None,
) -> list[ListingFlag]:
    """Check an ad the seller has just posted or edited; every reason to hold it becomes an
    open flag. listings.services puts the ad on review when any is returned.

    The automatic rules (moderation/rules.py) look at the text, the price and `photo_hashes`
    (the photos this change adds); `changed` names the fields an edit changed (None: all, for
    a new or resubmitted ad). A reason the ad already has open is not raised twice."""
    from moderation import rules

    hits = rules.listing_hits(
        listing, photo_hashes=photo_hashes, changed=None if resubmitted else changed
    )
    flags = [
        ListingFlag(listing=listing, code=hit.code, detail=hit.detail, original=hit.original)
        for hit in hits
    ]
    if resubmitted:
        flags.append(ListingFlag(listing=listing, code=ListingFlag.Code.RESUBMITTED))
    if flags and listing.status == "on_review":
        already = set(
            ListingFlag.objects.filter(listing=listing, resolved_at__isnull=True).values_list(
                "code", "detail"
            )
        )
        flags = [flag for flag in flags if (flag.code, flag.detail) not in already]
    return ListingFlag.objects.bulk_create(flags)
