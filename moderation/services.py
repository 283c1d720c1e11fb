"""Every moderation write: one atomic function per decision, each with its audit row."""

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation.errors import AlreadyBanned, BanUserNotFound, CannotBan, NotBanned
from moderation.models import AuditEntry, Ban, ListingFlag, TargetType


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
    """Delete the user's rows of the database session store (SESSION_ENGINE's default). A
    session does not name its user in a column, so the live ones are read; bans are rare."""
    from django.conf import settings

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0
    from django.contrib.sessions.models import Session

    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(
            chunk_size=2000
        )
        if session.get_decoded().get(SESSION_KEY) == str(user_id)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


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
