"""Every write to Safe Deals goes through here, and every move through deal_transition."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import phone_verified_required
from deals import selectors, tasks
from deals.errors import (
    AdAlreadyInDeal,
    CannotStartDeal,
    DealNotFound,
    MissingDetails,
    PriceChanged,
    ReviewNotAllowed,
    ReviewNotFound,
    TransitionNotAllowed,
    WrongRole,
)
from deals.models import DealEvent, EscrowEntry, Review, SafeDeal
from deals.notifications import deal_review_requests
from deals.payments import gateway
from deals.selectors import NOT_SHIPPABLE_ROOTS
from deals.transitions import (
    FIELD_LABELS,
    FINAL,
    TRANSITIONS,
    Field,
    Role,
    Status,
    allowed_for,
)
from listings.errors import ListingNotFound
from listings.models import Listing
from listings.services import listing_release, listing_reserve, listing_sell
from listings.transitions import PUBLIC

MAX_TEXT = 1000


@transaction.atomic
def deal_start(
    *, listing_id: int, buyer, expected_amount: int | None = None, now: datetime | None = None
) -> SafeDeal:
    """The buyer pays into escrow: the deal opens, the money is held, the ad is reserved.
    `expected_amount` is the price the buyer saw: a different price now is refused."""
    now = now or timezone.now()
    phone_verified_required(buyer)  # 403 phone_unverified
    listing = Listing.objects.select_for_update().filter(pk=listing_id).first()
    if listing is None or listing.status not in PUBLIC:
        raise ListingNotFound()
    if listing.seller_id == buyer.pk:
        raise CannotStartDeal(_("You cannot buy your own ad."))
    if listing.status == Listing.Status.RESERVED:
        raise AdAlreadyInDeal(_("Someone is already buying this item with Safe Deal."))
    if listing.status != Listing.Status.ACTIVE:
        raise CannotStartDeal(_("This item is no longer for sale."))
    if listing.price <= 0:
        raise CannotStartDeal(_("A free or price-on-request ad cannot be bought with Safe Deal."))
    if listing.root_category.slug in NOT_SHIPPABLE_ROOTS:
        raise CannotStartDeal(_("Safe Deal is for goods that are shipped."))
    if expected_amount is not None and expected_amount != listing.price:
        raise PriceChanged(
            _("The price has changed since you saw it: check the ad again."),
            price=listing.price,
        )
    try:
        with transaction.atomic():
            deal = SafeDeal.objects.create(
                listing=listing,
                buyer=buyer,
                seller_id=listing.seller_id,
                amount=listing.price,
                ship_by=now + timedelta(days=settings.SAFE_DEAL_SHIP_DAYS),
                created_at=now,
            )
    except IntegrityError:
        raise AdAlreadyInDeal(_("Someone is already buying this item with Safe Deal.")) from None
    _escrow_record(deal, EscrowEntry.Kind.HOLD, now)
    event = DealEvent.objects.create(
        deal=deal, source="", target=Status.PENDING, actor=buyer, role=Role.BUYER, created_at=now
    )
    listing_reserve(listing=listing)
    tasks.deal_changed_notify.defer(event_id=event.pk)
    return deal


def _role(actor, deal: SafeDeal, system: bool) -> Role:
    if system:
        return Role.SYSTEM
    role = selectors.role_of(actor, deal)
    if role is None:
        raise DealNotFound()
    return role


@transaction.atomic
def deal_transition(
    *,
    deal_id: int,
    target: Status | str,
    actor=None,
    system: bool = False,
    tracking_number: str = "",
    carrier: str = "",
    reason: str = "",
    note: str = "",
    now: datetime | None = None,
) -> SafeDeal:
    """Move a deal as the table allows `actor` (or the system), with its event, ledger entry
    and ad status in the same transaction; the participants are told after commit."""
    now = now or timezone.now()
    deal = SafeDeal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None:
        raise DealNotFound()
    role = _role(actor, deal, system)
    source = Status(deal.status)
    try:
        target = Status(target)
    except ValueError:
        target = None
    before_deadline = deal.confirm_by is None or now <= deal.confirm_by
    allowed = [s.value for s in allowed_for(source, role, before_deadline=before_deadline)]
    rule = TRANSITIONS.get((source, target)) if target else None
    if rule is None:
        raise TransitionNotAllowed(
            _("A deal that is “%(status)s” cannot go there.") % {"status": source.label},
            allowed_transitions=allowed,
        )
    if role not in rule.roles:
        raise WrongRole(
            _("This move is not yours to make in this deal."), allowed_transitions=allowed
        )
    if role in rule.before_confirm_deadline and not before_deadline:
        raise TransitionNotAllowed(
            _("The confirmation deadline has passed."), allowed_transitions=allowed
        )
    given = {
        Field.TRACKING: tracking_number.strip(),
        Field.CARRIER: carrier.strip(),
        Field.REASON: reason.strip()[:MAX_TEXT],
        Field.NOTE: note.strip()[:MAX_TEXT],
    }
    missing = sorted(field.value for field in rule.requires if not given[field])
    if missing:  # in words for people; `fields` names them for the form and API clients
        raise MissingDetails(
            _("Some details are missing: %(fields)s.")
            % {"fields": ", ".join(str(FIELD_LABELS[Field(name)]) for name in missing)},
            fields=missing,
        )

    fields = ["status", "updated_at"]
    if target == Status.SHIPPED:
        deal.tracking_number, deal.carrier = given[Field.TRACKING][:64], given[Field.CARRIER][:64]
        deal.confirm_by = now + timedelta(days=settings.SAFE_DEAL_CONFIRM_DAYS)
        fields += ["tracking_number", "carrier", "confirm_by"]
    if target == Status.DISPUTED:
        deal.dispute_reason = given[Field.REASON]
        fields.append("dispute_reason")
    if target == Status.CANCELLED and given[Field.REASON]:
        deal.cancel_reason = given[Field.REASON]
        fields.append("cancel_reason")
    if given[Field.NOTE]:
        deal.resolution_note = given[Field.NOTE]
        fields.append("resolution_note")
    if target in FINAL:
        deal.closed_at = now
        fields.append("closed_at")
        _settle(deal, target, now)
    event = DealEvent.objects.create(
        deal=deal,
        source=source,
        target=target,
        actor=None if system else actor,
        role=role,
        note=given[Field.NOTE] or given[Field.REASON] or given[Field.TRACKING],
        created_at=now,
    )
    deal.status = target
    deal.save(update_fields=fields)
    if role == Role.MODERATOR:
        _dispute_audit(deal, actor=actor, source=source, note=given[Field.NOTE])
    tasks.deal_changed_notify.defer(event_id=event.pk)
    if target == Status.COMPLETED:
        deal_review_requests(deal)
    return deal


def _dispute_audit(deal: SafeDeal, *, actor, source: Status, note: str) -> None:
    from moderation.models import AuditEntry, TargetType
    from moderation.services import audit_record

    audit_record(
        actor=actor,
        action=AuditEntry.Action.RESOLVE_DISPUTE,
        target_type=TargetType.DEAL,
        target_id=deal.pk,
        target_repr=f"#{deal.pk}",
        reason=note,
        before={"status": source.value},
        after={"status": deal.status},
    )


def _settle(deal: SafeDeal, target: Status, now: datetime) -> None:
    """The escrow money goes to the seller or back to the buyer, and the ad follows."""
    listing = Listing.objects.select_for_update().get(pk=deal.listing_id)
    if target == Status.COMPLETED:
        _escrow_record(deal, EscrowEntry.Kind.RELEASE, now)
        listing_sell(listing=listing)
    else:
        _escrow_record(deal, EscrowEntry.Kind.REFUND, now)
        listing_release(listing=listing)


def _escrow_record(deal: SafeDeal, kind: EscrowEntry.Kind, now: datetime) -> EscrowEntry:
    """The ledger says what must happen (PENDING), in the transition's transaction; the job
    deferred in the same transaction asks the payment provider after commit. A rolled-back
    transition leaves neither. Jobs of one deal run one at a time, in order (the lock)."""
    entry = EscrowEntry.objects.create(deal=deal, kind=kind, amount=deal.amount, created_at=now)
    tasks.escrow_settle.configure(lock=f"deal-{deal.pk}").defer(entry_id=entry.pk)
    return entry


def escrow_entry_settle(*, entry_id: int, now: datetime | None = None) -> EscrowEntry:
    """Perform a PENDING ledger entry at the payment provider and mark it DONE. Called by the
    escrow_settle job, outside any transaction: the provider is not asked while rows are
    locked. Idempotent: a DONE entry is left alone, and a replay after a crash between the
    provider's answer and the mark asks again with the same key, which moves no more money."""
    entry = EscrowEntry.objects.select_related("deal").get(pk=entry_id)
    if entry.state == EscrowEntry.State.DONE:
        return entry
    call = {
        EscrowEntry.Kind.HOLD: gateway().hold,
        EscrowEntry.Kind.RELEASE: gateway().release,
        EscrowEntry.Kind.REFUND: gateway().refund,
    }[EscrowEntry.Kind(entry.kind)]
    reference = call(entry.deal, idempotency_key=entry.idempotency_key)
    EscrowEntry.objects.filter(pk=entry.pk, state=EscrowEntry.State.PENDING).update(
        state=EscrowEntry.State.DONE, reference=reference[:64], settled_at=now or timezone.now()
    )
    entry.refresh_from_db()
    return entry


TIMEOUTS = (
    (Status.PENDING, "ship_by", Status.CANCELLED),
    (Status.SHIPPED, "confirm_by", Status.COMPLETED),
)


def deal_timeouts_process(*, now: datetime | None = None, batch: int = 200) -> int:
    """Apply every overdue move as the system. Idempotent, and safe from several processes at
    once: each deal is taken with SKIP LOCKED, so two runners never take the same one."""
    now = now or timezone.now()
    done = 0
    for source, deadline, target in TIMEOUTS:
        while True:
            with transaction.atomic():
                overdue = list(
                    SafeDeal.objects.select_for_update(skip_locked=True)
                    .filter(status=source, **{f"{deadline}__lt": now})
                    .order_by(deadline)
                    .values_list("pk", flat=True)[:batch]
                )
                for deal_id in overdue:
                    reason = (
                        _("The shipping deadline passed.") if target == Status.CANCELLED else ""
                    )
                    deal_transition(
                        deal_id=deal_id, target=target, system=True, reason=reason, now=now
                    )
                done += len(overdue)
            if len(overdue) < batch:
                break
    return done


@transaction.atomic
def review_leave(
    *, deal_id: int, author, rating: int, text: str = "", now: datetime | None = None
) -> Review:
    """One review of the other side per person, within 30 days of a completed deal; the
    other side's rating is updated in the same transaction."""
    now = now or timezone.now()
    deal = SafeDeal.objects.filter(pk=deal_id).first()
    role = selectors.role_of(author, deal) if deal else None
    if role not in (Role.BUYER, Role.SELLER):
        raise DealNotFound()
    if deal.status != Status.COMPLETED:
        raise ReviewNotAllowed(_("Reviews open when the deal is completed."))
    if now > deal.closed_at + timedelta(days=settings.SAFE_DEAL_REVIEW_DAYS):
        raise ReviewNotAllowed(_("The 30 days for a review of this deal have passed."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ReviewNotAllowed(_("Give 1 to 5 stars."))
    subject_id = deal.seller_id if role == Role.BUYER else deal.buyer_id
    subject = User.objects.select_for_update().get(pk=subject_id)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                deal=deal,
                author=author,
                subject=subject,
                rating=rating,
                text=text.strip()[:MAX_TEXT],
                created_at=now,
            )
    except IntegrityError:
        raise ReviewNotAllowed(_("You have already reviewed this deal.")) from None
    _rating_recompute(subject)
    return review


def _rating_recompute(subject: User) -> None:
    """The person's rating from the reviews that are shown (a hidden review does not count);
    the caller holds the person's row locked."""
    totals = Review.objects.filter(subject=subject, hidden_at__isnull=True).aggregate(
        avg=Avg("rating"), n=Count("id")
    )
    subject.rating_avg = round(totals["avg"] or 0, 2)
    subject.rating_count = totals["n"]
    subject.save(update_fields=["rating_avg", "rating_count"])


@transaction.atomic
def review_hide(*, review_id: int, moderator, reason: str) -> Review:
    """A moderator hides a review (with a reason): off the profile page and the API, out of
    the rating, recomputed in this transaction; the audit row says who and why."""
    reason = reason.strip()
    if not reason:
        raise ReviewNotAllowed(_("Say why the review is hidden."))
    return _review_visibility(review_id=review_id, moderator=moderator, hide=True, reason=reason)


@transaction.atomic
def review_show(*, review_id: int, moderator, reason: str = "") -> Review:
    """A moderator shows a hidden review again; it counts in the rating again."""
    return _review_visibility(
        review_id=review_id, moderator=moderator, hide=False, reason=reason.strip()
    )


def _review_visibility(*, review_id: int, moderator, hide: bool, reason: str) -> Review:
    from moderation.models import AuditEntry, TargetType
    from moderation.services import audit_record

    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        raise ReviewNotFound()
    subject = User.objects.select_for_update().get(pk=review.subject_id)  # the rating's row
    review = Review.objects.select_for_update().get(pk=review_id)
    before = {"hidden": review.hidden_at is not None, "rating_avg": str(subject.rating_avg)}
    if (review.hidden_at is not None) == hide:
        return review
    if hide:
        review.hidden_at, review.hidden_by, review.hidden_reason = timezone.now(), moderator, reason
    else:
        review.hidden_at, review.hidden_by, review.hidden_reason = None, None, ""
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _rating_recompute(subject)
    audit_record(
        actor=moderator,
        action=AuditEntry.Action.HIDE_REVIEW if hide else AuditEntry.Action.SHOW_REVIEW,
        target_type=TargetType.REVIEW,
        target_id=review.pk,
        target_repr=str(review),
        reason=reason,
        before=before,
        after={"hidden": hide, "rating_avg": str(subject.rating_avg)},
    )
    return review
