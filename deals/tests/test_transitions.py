"""The table test: for every status, every target and every role, the service allows exactly
what TRANSITIONS says, and nothing is half-done when it refuses."""

import itertools

import pytest

from accounts.tests.factories import UserFactory
from deals import services
from deals.errors import DealNotFound, TransitionNotAllowed, WrongRole
from deals.models import DealEvent, EscrowEntry, SafeDeal
from deals.tests.conftest import DETAILS
from deals.transitions import TRANSITIONS, Role, Status
from listings.models import Listing
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

ROLES = ["buyer", "seller", "moderator", "system", "stranger"]


def deal_in(status: Status) -> SafeDeal:
    listing = ListingFactory(price=50_000)
    deal = services.deal_start(listing_id=listing.pk, buyer=UserFactory())
    if status != Status.PENDING:
        from datetime import timedelta

        from django.utils import timezone

        SafeDeal.objects.filter(pk=deal.pk).update(
            status=status, confirm_by=timezone.now() + timedelta(days=7)
        )
    return SafeDeal.objects.get(pk=deal.pk)


@pytest.mark.parametrize(
    ("source", "target", "role"), list(itertools.product(Status, Status, ROLES))
)
def test_the_service_allows_exactly_what_the_table_says(source, target, role, moderator):
    deal = deal_in(source)
    actors = {
        "buyer": deal.buyer,
        "seller": deal.seller,
        "moderator": moderator,
        "system": None,
        "stranger": UserFactory(),
    }
    rule = TRANSITIONS.get((source, target))
    allowed = rule is not None and role != "stranger" and Role(role) in rule.roles
    events_before = DealEvent.objects.filter(deal=deal).count()
    call = dict(
        deal_id=deal.pk, target=target, actor=actors[role], system=role == "system", **DETAILS
    )
    if allowed:
        moved = services.deal_transition(**call)
        assert moved.status == target
        assert DealEvent.objects.filter(deal=deal).count() == events_before + 1
        return
    if role == "stranger":
        expected = DealNotFound
    elif rule is None:
        expected = TransitionNotAllowed
    else:
        expected = WrongRole
    with pytest.raises(expected) as refused:
        services.deal_transition(**call)
    if expected is not DealNotFound:
        assert "allowed_transitions" in refused.value.extra
    deal.refresh_from_db()
    assert deal.status == source
    assert DealEvent.objects.filter(deal=deal).count() == events_before


def test_final_statuses_go_nowhere():
    for final in (Status.COMPLETED, Status.CANCELLED):
        assert not [t for (s, t) in TRANSITIONS if s == final]


def test_the_buyer_cannot_dispute_after_the_confirmation_deadline(deal):
    from datetime import timedelta

    from django.utils import timezone

    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    later = timezone.now() + timedelta(days=8)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.deal_transition(
            deal_id=deal.pk, target="DISPUTED", actor=deal.buyer, reason="Не пришло", now=later
        )
    assert refused.value.extra["allowed_transitions"] == ["COMPLETED"]


def test_required_details_are_checked_and_nothing_moves_without_them(deal):
    from deals.errors import MissingDetails

    with pytest.raises(MissingDetails) as missing:
        services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller)
    assert missing.value.extra["fields"] == ["carrier", "tracking_number"]
    with pytest.raises(MissingDetails):
        services.deal_transition(deal_id=deal.pk, target="CANCELLED", actor=deal.buyer)
    deal.refresh_from_db()
    assert deal.status == Status.PENDING
    assert EscrowEntry.objects.filter(deal=deal).count() == 1
    assert Listing.objects.get(pk=deal.listing_id).status == "reserved"
