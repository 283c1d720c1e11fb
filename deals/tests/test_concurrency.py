"""Races on PostgreSQL: many threads at one deal leave one winner and one event; two buyers at
one ad leave one open deal; two timeout runners move each deal once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from deals import services
from deals.errors import AdAlreadyInDeal, TransitionNotAllowed, WrongRole
from deals.models import DealEvent, SafeDeal
from deals.tests.conftest import DETAILS
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls) -> list:
    """Run the calls at once (a barrier), each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_confirm_dispute_and_cancel_racing_leave_one_winner():
    deal = services.deal_start(listing_id=ListingFactory(price=30_000).pk, buyer=UserFactory())
    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    calls = []
    for _ in range(4):
        calls += [
            lambda: services.deal_transition(deal_id=deal.pk, target="COMPLETED", actor=deal.buyer),
            lambda: services.deal_transition(
                deal_id=deal.pk, target="DISPUTED", actor=deal.buyer, reason="Не то"
            ),
            lambda: services.deal_transition(
                deal_id=deal.pk, target="CANCELLED", actor=deal.seller, reason="Посылка потерялась"
            ),
        ]
    results = race(calls)
    winners = [r for r in results if isinstance(r, SafeDeal)]
    assert len(winners) == 1
    assert all(isinstance(r, SafeDeal | TransitionNotAllowed | WrongRole) for r in results)
    deal.refresh_from_db()
    assert deal.status == winners[0].status
    moves = DealEvent.objects.filter(deal=deal).exclude(target__in=["PENDING", "SHIPPED"])
    assert moves.count() == 1
    if deal.status in ("COMPLETED", "CANCELLED"):
        assert deal.ledger.count() == 2


def test_two_buyers_racing_for_one_ad_leave_one_open_deal():
    listing = ListingFactory(price=15_000)
    buyers = [UserFactory() for _ in range(6)]
    results = race(
        [lambda b=b: services.deal_start(listing_id=listing.pk, buyer=b) for b in buyers]
    )
    assert sum(isinstance(r, SafeDeal) for r in results) == 1
    assert sum(isinstance(r, AdAlreadyInDeal) for r in results) == 5
    assert SafeDeal.objects.filter(listing=listing).count() == 1


def test_timeout_runners_in_parallel_move_each_deal_once():
    deals = [
        services.deal_start(listing_id=ListingFactory(price=1_000).pk, buyer=UserFactory())
        for _ in range(12)
    ]
    later = timezone.now() + timedelta(days=4)
    results = race([lambda: services.deal_timeouts_process(now=later, batch=3) for _ in range(4)])
    assert sum(results) == 12
    for deal in deals:
        assert DealEvent.objects.filter(deal=deal, target="CANCELLED").count() == 1
        assert deal.ledger.filter(kind="REFUND").count() == 1
