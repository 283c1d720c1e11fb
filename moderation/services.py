"""Every moderation write: one atomic function per decision, each with its audit row."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


def listing_screen(*, listing, resubmitted: bool = False) -> list[ListingFlag]:
    """Check an ad the seller has just posted or edited; every reason to hold it becomes an
    open flag. listings.services puts the ad on review when any is returned."""
    flags = []
    if resubmitted:
        flags.append(ListingFlag(listing=listing, code=ListingFlag.Code.RESUBMITTED))
    return ListingFlag.objects.bulk_create(flags)


# --- The moderators' queue (helper queue) ----------------------------------------------------


def _listing_state(listing) -> dict[str, Any]:
    return {
        "status": listing.status,
        "rejection_reason": listing.rejection_reason,
        "rejection_note": listing.rejection_note,
    }


def _listing_audit(listing, moderator, action: AuditEntry.Action, before, reason: str) -> None:
    audit_record(
        actor=moderator,
        action=action,
        target_type=TargetType.LISTING,
        target_id=listing.pk,
        target_repr=listing.title,
        reason=reason,
        before=before,
        after=_listing_state(listing),
    )


def _listing_decided(*, listing_id: int, moderator) -> dict[str, Any]:
    """Lock the ad and close what held it: its open flags and every open report about it.
    Returns the ad's state before the decision, for the audit row."""
    from moderation.models import Report

    listing = _locked_listing(listing_id)
    now = timezone.now()
    ListingFlag.objects.filter(listing_id=listing_id, resolved_at__isnull=True).update(
        resolved_at=now
    )
    # reports_resolve (helper `reports`) does the same for a report queue's decision.
    Report.objects.filter(
        target_type=TargetType.LISTING, target_id=listing_id, resolved_at__isnull=True
    ).update(resolved_at=now, resolved_by=moderator, resolution=Report.Resolution.UPHELD)
    return _listing_state(listing)


@transaction.atomic
def listing_approve_reviewed(*, listing_id: int, moderator, note: str = ""):
    """A moderator lets a held ad go live (or stay hidden, if its seller is banned)."""
    from listings.services import listing_approve

    before = _listing_decided(listing_id=listing_id, moderator=moderator)
    listing = listing_approve(listing_id=listing_id)
    _listing_audit(listing, moderator, AuditEntry.Action.APPROVE, before, note)
    return listing


@transaction.atomic
def listing_reject_reviewed(*, listing_id: int, moderator, reason: str, note: str = ""):
    """A moderator rejects a held ad and says why: the seller sees it in My ads and gets an
    e-mail (a job deferred in this transaction); he may edit the ad and resubmit it."""
    from listings.models import Listing
    from listings.services import listing_reject
    from moderation.errors import InvalidDecision

    if reason not in Listing.RejectionReason.values:
        raise InvalidDecision(_("Choose a reason for the rejection."))
    before = _listing_decided(listing_id=listing_id, moderator=moderator)
    listing = listing_reject(listing_id=listing_id, reason=reason, note=note.strip())
    _listing_audit(
        listing, moderator, AuditEntry.Action.REJECT, before, f"{reason}: {note}".strip(": ")
    )
    _rejection_mail(listing)
    return listing


def _rejection_mail(listing) -> None:
    """Written now, in the site's language (users have no language of their own yet), and
    sent by the mail job after commit."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from zattar.tasks import send_email

    seller = type(listing.seller).objects.get(pk=listing.seller_id)
    if not seller.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("Your ad “%(title)s” was rejected by a moderator.") % {"title": listing.title},
            _("Reason: %(reason)s") % {"reason": listing.get_rejection_reason_display()},
        ]
        if listing.rejection_note:
            lines.append(_("Moderator's note: %(note)s") % {"note": listing.rejection_note})
        lines += [
            "",
            _("You can correct the ad and save it: it will be reviewed again."),
            settings.SITE_URL + reverse("listings:edit", args=[listing.pk]),
        ]
        subject = _("Zattar: your ad was rejected")
    send_email.defer(subject=str(subject), body="\n".join(lines), to=[seller.email])


@transaction.atomic
def listing_hold_moderated(*, listing_id: int, moderator, note: str = ""):
    """A moderator takes an active ad out of search until a decision in the queue."""
    from listings.services import listing_hold
    from listings.transitions import Role

    before = _listing_state(_locked_listing(listing_id))
    listing = listing_hold(listing_id=listing_id, role=Role.MODERATOR)
    _listing_audit(listing, moderator, AuditEntry.Action.HOLD, before, note)
    return listing


def _locked_listing(listing_id: int):
    from listings.errors import ListingNotFound
    from listings.models import Listing

    listing = Listing.objects.select_for_update().filter(pk=listing_id).first()
    if listing is None:
        raise ListingNotFound()
    return listing
