"""The ad's life: the one table of who may move an ad from which status to which.

An active ad expires when its time runs out (the system's periodic sweep); its seller renews
it (back to active, for another LISTING_LIFETIME_DAYS), archives it or marks it sold. A
reserved ad does not expire: only active ads are swept.

The listings app owns `Listing.status`. The seller's pages, Safe Deal (reserve, release, sell),
moderation (hold, approve, reject, ban) and the admin all go through listings.services, which
checks every move here; no other code assigns the field.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_REVIEW = "on_review", _("On review")  # held by a rule or by reports: seen by its seller only
    REJECTED = "rejected", _("Rejected")  # a moderator said why; the seller may edit and resubmit
    RESERVED = "reserved", _("Reserved")  # a Safe Deal is open: out of search
    SOLD = "sold", _("Sold")
    # LISTING_LIFETIME_DAYS passed since publication or renewal: out of search until renewed.
    EXPIRED = "expired", _("Expired")
    ARCHIVED = "archived", _("Archived")
    BLOCKED = "blocked", _("Hidden: seller banned")  # unbanning brings it back as it was


class Role(StrEnum):
    SELLER = "seller"  # from My ads, the edit page, the API
    DEAL = "deal"  # Safe Deal: reserve, release, sell
    MODERATOR = "moderator"  # the admin's queue
    SYSTEM = "system"  # automatic rules, enough reports, a ban and its lifting


A, R, RJ, RS, SO, EX, AR, BL = (
    Status.ACTIVE,
    Status.ON_REVIEW,
    Status.REJECTED,
    Status.RESERVED,
    Status.SOLD,
    Status.EXPIRED,
    Status.ARCHIVED,
    Status.BLOCKED,
)
SELLER, DEAL, MODERATOR, SYSTEM = Role.SELLER, Role.DEAL, Role.MODERATOR, Role.SYSTEM

TRANSITIONS: Final[Mapping[tuple[Status, Status], frozenset[Role]]] = MappingProxyType(
    {
        (A, SO): frozenset({SELLER}),
        (A, AR): frozenset({SELLER}),
        (SO, A): frozenset({SELLER}),
        (SO, AR): frozenset({SELLER}),
        (AR, A): frozenset({SELLER}),
        (R, AR): frozenset({SELLER}),  # withdrawn while waiting
        (RJ, AR): frozenset({SELLER}),
        (RJ, R): frozenset({SELLER}),  # edited and resubmitted
        (A, RS): frozenset({DEAL}),
        (RS, A): frozenset({DEAL}),  # the deal was cancelled or refunded
        (RS, SO): frozenset({DEAL}),
        (RS, BL): frozenset({DEAL}),  # refunded while the seller is banned
        (A, R): frozenset({SYSTEM, MODERATOR}),  # a rule on editing, enough reports, a moderator
        (R, A): frozenset({MODERATOR}),
        (R, RJ): frozenset({MODERATOR}),
        (A, RJ): frozenset({MODERATOR}),
        (R, BL): frozenset({MODERATOR}),  # approved while the seller is banned
        (A, BL): frozenset({SYSTEM}),  # the seller is banned
        (BL, A): frozenset({SYSTEM}),  # the ban is lifted
        (A, EX): frozenset({SYSTEM}),  # the expiry sweep (listings.tasks)
        (EX, A): frozenset({SELLER}),  # renewed (a fresh lifetime; published_at stays)
        (EX, SO): frozenset({SELLER}),
        (EX, AR): frozenset({SELLER}),
        (EX, R): frozenset({SYSTEM}),  # edited while expired and a rule hit
    }
)

# Who sees an ad: its page is public in these statuses (the seller always sees his own).
PUBLIC: Final = frozenset({A, RS, SO})


def allowed(source: str, target: str, role: Role) -> bool:
    return role in TRANSITIONS.get((Status(source), Status(target)), frozenset())


def moves_from(source: str, role: Role) -> list[Status]:
    """Where `role` may take an ad that is in `source`: the buttons a page shows."""
    return [t for (s, t), roles in TRANSITIONS.items() if s == source and role in roles]
