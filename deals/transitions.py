"""The Safe Deal transition table: plain data and the only source of truth.

The deal page's buttons, the API's `allowed_transitions`, the admin actions, the timeout job
and the tests are all derived from TRANSITIONS; no other code decides what may happen.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "PENDING", _("Awaiting shipment")
    SHIPPED = "SHIPPED", _("Shipped")
    COMPLETED = "COMPLETED", _("Completed")
    DISPUTED = "DISPUTED", _("Disputed")
    CANCELLED = "CANCELLED", _("Cancelled")


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    MODERATOR = "moderator"
    SYSTEM = "system"


class Field(StrEnum):
    """What a move needs from whoever makes it."""

    TRACKING = "tracking_number"
    CARRIER = "carrier"
    REASON = "reason"
    NOTE = "note"  # a moderator's resolution note


# The names people read in a message about a missing detail (the form's labels).
FIELD_LABELS: Final[Mapping[Field, str]] = MappingProxyType(
    {
        Field.TRACKING: _("Tracking number"),
        Field.CARRIER: _("Carrier"),
        Field.REASON: _("Reason"),
        Field.NOTE: _("Resolution note"),
    }
)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    requires: frozenset[Field] = frozenset()
    # The buyer may dispute a shipped deal only until the confirmation deadline.
    before_confirm_deadline: frozenset[Role] = frozenset()


B, S, M, SYS = Role.BUYER, Role.SELLER, Role.MODERATOR, Role.SYSTEM

TRANSITIONS: Final[Mapping[tuple[Status, Status], Rule]] = MappingProxyType(
    {
        (Status.PENDING, Status.SHIPPED): Rule(
            frozenset({S}), frozenset({Field.TRACKING, Field.CARRIER})
        ),
        (Status.PENDING, Status.CANCELLED): Rule(frozenset({B, S, SYS}), frozenset({Field.REASON})),
        # The system disputes a deal when a moderator bans either participant: the money stays
        # held until a moderator resolves it.
        (Status.PENDING, Status.DISPUTED): Rule(frozenset({B, S, SYS}), frozenset({Field.REASON})),
        (Status.SHIPPED, Status.COMPLETED): Rule(frozenset({B, SYS})),
        (Status.SHIPPED, Status.DISPUTED): Rule(
            frozenset({B, SYS}), frozenset({Field.REASON}), before_confirm_deadline=frozenset({B})
        ),
        (Status.SHIPPED, Status.CANCELLED): Rule(frozenset({S, M}), frozenset({Field.REASON})),
        (Status.DISPUTED, Status.COMPLETED): Rule(frozenset({M}), frozenset({Field.NOTE})),
        (Status.DISPUTED, Status.CANCELLED): Rule(frozenset({M}), frozenset({Field.NOTE})),
    }
)

OPEN: Final = frozenset({Status.PENDING, Status.SHIPPED, Status.DISPUTED})
FINAL: Final = frozenset({Status.COMPLETED, Status.CANCELLED})


def targets_from(source: Status) -> list[Status]:
    return [target for (start, target) in TRANSITIONS if start == source]


def allowed_for(source: Status, role: Role | None, *, before_deadline: bool) -> list[Status]:
    """Where `role` may take a deal in `source` now."""
    if role is None:
        return []
    return [
        target
        for (start, target), rule in TRANSITIONS.items()
        if start == source
        and role in rule.roles
        and (role not in rule.before_confirm_deadline or before_deadline)
    ]
