"""Every moderation write: one atomic function per decision, each with its audit row."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from moderation.errors import (
    AlreadyBanned,
    AlreadyReported,
    BanUserNotFound,
    CannotBan,
    InvalidReport,
    NotBanned,
    ReportTargetNotFound,
)
from moderation.models import AuditEntry, Ban, ListingFlag, Report, TargetType


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


# --- Reports (helper `reports`) -----------------------------------------------------------------
# A signed-in user reports an ad, a user or a chat message; enough reports from established
# accounts hold an ad; a moderator resolves every open report on one target at once.


@dataclass(frozen=True)
class ReportTarget:
    """What a report is about, as the reporter may see it."""

    target_type: str
    target_id: int
    subject: Any  # the user the report is about
    label: str  # the ad's title, the user's name, the message's first words
    url: str  # where the reporter goes back to


def _listing_target(*, reporter, target_id: int, lock: bool) -> ReportTarget:
    from listings.models import Listing
    from listings.transitions import PUBLIC

    rows = Listing.objects.select_related("seller")
    if lock:
        rows = rows.select_for_update(of=("self",))
    listing = rows.filter(pk=target_id).first()
    if listing is None:
        raise ReportTargetNotFound(_("No such ad."))
    if listing.seller_id == reporter.pk:
        raise InvalidReport(_("You cannot report your own ad."))
    if listing.status not in PUBLIC or not listing.seller.is_active:
        raise ReportTargetNotFound(_("No such ad."))
    return ReportTarget(
        TargetType.LISTING, listing.pk, listing.seller, listing.title, listing.get_absolute_url()
    )


def _user_target(*, reporter, target_id: int) -> ReportTarget:
    from accounts.selectors import user_get_public

    if target_id == reporter.pk:
        raise InvalidReport(_("You cannot report yourself."))
    person = user_get_public(user_id=target_id)
    if person is None:
        raise ReportTargetNotFound(_("No such user."))
    return ReportTarget(
        TargetType.USER,
        person.pk,
        person,
        person.name,
        reverse("accounts:profile", args=[person.pk]),
    )


def _message_target(*, reporter, target_id: int) -> ReportTarget:
    """Only the other participant reports a message: its sender gets 400 (his own words), anyone
    else 404 (a stranger must not learn the message exists)."""
    from chat.models import Message

    message = Message.objects.select_related("sender").filter(pk=target_id).first()
    if message is None or reporter.pk not in (message.sender_id, message.recipient_id):
        raise ReportTargetNotFound(_("No such message."))
    if message.sender_id == reporter.pk:
        raise InvalidReport(_("You cannot report your own message."))
    if message.sender_id is None:
        raise InvalidReport(_("Messages from Zattar itself cannot be reported."))
    return ReportTarget(
        TargetType.MESSAGE,
        message.pk,
        message.sender,
        Truncator(message.body).chars(60),
        reverse("chat:conversation", args=[message.conversation_id]),
    )


def report_target(
    *, reporter, target_type: str, target_id: int, lock: bool = False
) -> ReportTarget:
    """The thing `reporter` wants to report, checked: ReportTargetNotFound if he cannot see it,
    InvalidReport if it is his own (or not reportable). `lock` locks an ad's row, so that
    concurrent reports on it count each other."""
    if target_type == TargetType.LISTING:
        return _listing_target(reporter=reporter, target_id=target_id, lock=lock)
    if target_type == TargetType.USER:
        return _user_target(reporter=reporter, target_id=target_id)
    if target_type == TargetType.MESSAGE:
        return _message_target(reporter=reporter, target_id=target_id)
    raise InvalidReport(_("Ads, users and chat messages can be reported."))


REPORT_TEXT_MAX = 1000


def clean_report_text(text: str) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise InvalidReport(_("The text contains a character that is not allowed."))
    if len(text) > REPORT_TEXT_MAX:
        message = _("The text can be at most %(max)d characters long.")
        raise InvalidReport(message % {"max": REPORT_TEXT_MAX})
    return text


@transaction.atomic
def report_create(
    *, reporter, target_type: str, target_id: int, reason: str, text: str = ""
) -> Report:
    """File one report; the same user, target and reason twice is AlreadyReported. Enough
    reports from established accounts put an active ad on review at once."""
    if reason not in Report.Reason.values:
        raise InvalidReport(_("Choose a reason from the list."))
    text = clean_report_text(text)
    target = report_target(
        reporter=reporter, target_type=target_type, target_id=target_id, lock=True
    )
    try:
        with transaction.atomic():  # a savepoint: a concurrent repeat loses here, cleanly
            report = Report.objects.create(
                reporter=reporter,
                target_type=target.target_type,
                target_id=target.target_id,
                subject=target.subject,
                reason=reason,
                text=text,
            )
    except IntegrityError:
        raise AlreadyReported(
            _("You have already reported this for this reason. Moderators will look at it.")
        ) from None
    if target.target_type == TargetType.LISTING:
        _hold_if_reported_enough(listing_id=target.target_id, title=target.label)
    return report


def established_reporters(*, target_type: str, target_id: int) -> int:
    """Distinct users with an open report on the target whose accounts are old enough."""
    joined_before = timezone.now() - timedelta(hours=settings.REPORTER_MIN_AGE_HOURS)
    return (
        Report.objects.filter(
            target_type=target_type,
            target_id=target_id,
            resolved_at__isnull=True,
            reporter__date_joined__lte=joined_before,
        )
        .values("reporter_id")
        .distinct()
        .count()
    )


def _hold_if_reported_enough(*, listing_id: int, title: str) -> None:
    """Called with the ad's row locked: at REPORTS_TO_HOLD established reporters an active ad
    goes on review, with the reason and an audit row by Zattar itself."""
    from listings.models import Listing
    from listings.services import listing_hold

    count = established_reporters(target_type=TargetType.LISTING, target_id=listing_id)
    if count < settings.REPORTS_TO_HOLD:
        return
    if not Listing.objects.filter(pk=listing_id, status=Listing.Status.ACTIVE).exists():
        return  # reserved, sold, or on review already: nothing to hold
    listing = listing_hold(listing_id=listing_id)
    detail = ngettext("%(count)d report", "%(count)d reports", count) % {"count": count}
    ListingFlag.objects.create(listing_id=listing_id, code=ListingFlag.Code.REPORTS, detail=detail)
    audit_record(
        actor=None,
        action=AuditEntry.Action.HOLD,
        target_type=TargetType.LISTING,
        target_id=listing_id,
        target_repr=title,
        reason=detail,
        before={"status": Listing.Status.ACTIVE},
        after={"status": listing.status, "reports": count},
    )


@transaction.atomic
def reports_resolve(
    *, target_type: str, target_id: int, moderator, resolution: str, note: str = ""
) -> int:
    """Close every open report on one target with the moderator's resolution (upheld: action
    was taken; dismissed: nothing wrong) and one audit row; returns how many were closed (0 and
    no audit row if none was open)."""
    resolution = Report.Resolution(resolution)
    reports = list(
        Report.objects.select_for_update()
        .filter(target_type=target_type, target_id=target_id, resolved_at__isnull=True)
        .order_by("pk")
    )
    if not reports:
        return 0
    ids = [report.pk for report in reports]
    Report.objects.filter(pk__in=ids).update(
        resolved_at=timezone.now(), resolved_by=moderator, resolution=resolution
    )
    audit_record(
        actor=moderator,
        action=AuditEntry.Action.RESOLVE_REPORT,
        target_type=TargetType(target_type),
        target_id=target_id,
        target_repr=_target_repr(target_type, target_id),
        reason=note,
        before={"open": len(ids), "report_ids": ids},
        after={"open": 0, "resolution": resolution.value},
    )
    return len(ids)


def _target_repr(target_type: str, target_id: int) -> str:
    from accounts.models import User
    from chat.models import Message
    from listings.models import Listing

    if target_type == TargetType.LISTING:
        return Listing.objects.filter(pk=target_id).values_list("title", flat=True).first() or ""
    if target_type == TargetType.USER:
        return User.objects.filter(pk=target_id).values_list("email", flat=True).first() or ""
    body = Message.objects.filter(pk=target_id).values_list("body", flat=True).first() or ""
    return Truncator(body).chars(60)


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


def _listing_decided(*, listing_id: int, moderator, resolution: str) -> dict[str, Any]:
    """Lock the ad and close what held it: its open flags and every open report about it
    (dismissed when the ad is approved, upheld when it is rejected). Returns the ad's state
    before the decision, for the audit row."""
    listing = _locked_listing(listing_id)
    ListingFlag.objects.filter(listing_id=listing_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    reports_resolve(
        target_type=TargetType.LISTING,
        target_id=listing_id,
        moderator=moderator,
        resolution=resolution,
    )
    return _listing_state(listing)


@transaction.atomic
def listing_approve_reviewed(*, listing_id: int, moderator, note: str = ""):
    """A moderator lets a held ad go live (or stay hidden, if its seller is banned)."""
    from listings.services import listing_approve

    before = _listing_decided(
        listing_id=listing_id, moderator=moderator, resolution=Report.Resolution.DISMISSED
    )
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
    before = _listing_decided(
        listing_id=listing_id, moderator=moderator, resolution=Report.Resolution.UPHELD
    )
    listing = listing_reject(listing_id=listing_id, reason=reason, note=note.strip())
    _listing_audit(
        listing, moderator, AuditEntry.Action.REJECT, before, f"{reason}: {note}".strip(": ")
    )
    _rejection_mail(listing)
    return listing


def _rejection_mail(listing) -> None:
    """Written now, in the seller's language, and sent by the mail job after commit."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from zattar.tasks import mail_defer

    seller = type(listing.seller).objects.get(pk=listing.seller_id)
    if not seller.email:
        return
    with translation.override(seller.language or settings.LANGUAGE_CODE):
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
    mail_defer(subject=str(subject), body="\n".join(lines), to=[seller.email])


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


# --- bans ---------------------------------------------------------------------------------------
# A ban shuts a user out everywhere at once, in one transaction: the account is deactivated
# (which already refuses his session cookies, JWTs and open sockets, see accounts.models.User),
# his session rows and refresh tokens are deleted and blacklisted for good (a later unban does not
# bring them back), his active ads are hidden (BLOCKED), and his open Safe Deals go to the
# moderators' disputes queue with the money still held. Unbanning restores the ads the ban hid
# and the account; deals stay as the moderators resolved them.


def _user_locked(user_id: int):
    from accounts.models import User

    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise BanUserNotFound(_("No such user."))
    return user


def _sessions_end(user_id: int) -> int:
    """Delete the user's sessions (each names its user: accounts.models.Session)."""
    from accounts.models import Session

    ended, _ = Session.objects.filter(user_id=user_id).delete()
    return ended


def _open_deals_dispute(user_id: int) -> list[int]:
    """The user's Safe Deals still under way, as buyer or seller, go to the disputes queue: the
    money stays held until a moderator resolves each one."""
    from deals.models import SafeDeal
    from deals.services import deal_transition
    from deals.transitions import Status

    ids = list(
        SafeDeal.objects.filter(
            Q(buyer_id=user_id) | Q(seller_id=user_id),
            status__in=[Status.PENDING, Status.SHIPPED],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for deal_id in ids:
        deal_transition(
            deal_id=deal_id,
            target=Status.DISPUTED,
            system=True,
            reason=gettext("A participant was banned by the moderators."),
        )
    return ids


def _ban_reason_text(reason: str, note: str) -> str:
    label = str(Ban.Reason(reason).label)
    return f"{label}: {note}" if note else label


@transaction.atomic
def user_ban(*, user_id: int, moderator, reason: str, note: str = "") -> Ban:
    """Ban a user: see the block comment above. Staff, superusers and oneself cannot be banned
    (CannotBan); a user already banned is AlreadyBanned (409)."""
    from accounts.services import user_tokens_revoke
    from listings.models import Listing
    from listings.services import listings_hide_for_ban

    if reason not in Ban.Reason.values:
        raise CannotBan(_("Choose a reason for the ban."))
    user = _user_locked(user_id)
    if moderator is not None and user.pk == moderator.pk:
        raise CannotBan(_("You cannot ban yourself."))
    if user.is_staff or user.is_superuser:
        raise CannotBan(
            _("Staff accounts cannot be banned: remove the staff status first, or deactivate it.")
        )
    if Ban.objects.filter(user=user, lifted_at__isnull=True).exists():
        raise AlreadyBanned(_("This user is already banned."))
    before = {
        "is_active": user.is_active,
        "active_ads": list(
            Listing.objects.filter(seller=user, status=Listing.Status.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
    }
    user.is_active = False
    user.save(update_fields=["is_active"])  # announces the sign-out to open sockets on commit
    ban = Ban.objects.create(
        user=user, reason=reason, note=note.strip()[:2000], banned_by=_actor(moderator)
    )
    sessions = _sessions_end(user.pk)
    tokens = user_tokens_revoke(user=user)
    hidden = listings_hide_for_ban(seller_id=user.pk)
    disputed = _open_deals_dispute(user.pk)
    audit_record(
        actor=moderator,
        action=AuditEntry.Action.BAN,
        target_type=TargetType.USER,
        target_id=user.pk,
        target_repr=f"{user} <{user.email}>",
        reason=_ban_reason_text(reason, ban.note),
        before=before,
        after={
            "is_active": False,
            "ban": ban.pk,
            "hidden_ads": hidden,
            "disputed_deals": disputed,
            "sessions_ended": sessions,
            "refresh_tokens_revoked": tokens,
        },
    )
    return ban


@transaction.atomic
def user_unban(*, user_id: int, moderator, note: str = "") -> Ban:
    """Lift the user's ban: the account works again and the ads the ban hid are back; nothing
    else changes (archived ads, ads on review and disputed deals stay as they are)."""
    from listings.services import listings_restore_after_ban

    user = _user_locked(user_id)
    ban = Ban.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
    if ban is None:
        raise NotBanned(_("This user is not banned."))
    before = {"is_active": user.is_active, "ban": ban.pk}
    user.is_active = True
    user.save(update_fields=["is_active"])
    ban.lifted_at = timezone.now()
    ban.lifted_by = _actor(moderator)
    ban.save(update_fields=["lifted_at", "lifted_by"])
    restored = listings_restore_after_ban(seller_id=user.pk)
    audit_record(
        actor=moderator,
        action=AuditEntry.Action.UNBAN,
        target_type=TargetType.USER,
        target_id=user.pk,
        target_repr=f"{user} <{user.email}>",
        reason=note.strip(),
        before=before,
        after={"is_active": True, "restored_ads": restored},
    )
    return ban


def _actor(moderator):
    return moderator if moderator is not None and moderator.is_authenticated else None
