from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db.models import Sum
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import Message
from deals import services
from deals.errors import AdAlreadyInDeal, CannotStartDeal, DealNotFound, ReviewNotAllowed
from deals.models import EscrowEntry, SafeDeal
from deals.tests.conftest import DETAILS
from deals.transitions import Status
from listings.models import Listing
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_starting_holds_the_price_and_reserves_the_ad(deal, run_jobs):
    assert (deal.status, deal.amount) == (Status.PENDING, 120_000)
    assert list(deal.ledger.values_list("kind", "amount", "state")) == [
        ("HOLD", 120_000, "PENDING")  # the provider is asked by a job, after commit
    ]
    assert "deals.escrow_settle" in run_jobs()
    entry = deal.ledger.get()
    assert (entry.state, entry.reference) == ("DONE", f"sim-hold-zattar-escrow-{entry.pk}")
    assert run_jobs() == [] and services.escrow_entry_settle(entry_id=entry.pk) == entry
    assert Listing.objects.get(pk=deal.listing_id).status == "reserved"
    assert deal.ship_by - deal.created_at == timedelta(days=3)
    assert list(deal.events.values_list("source", "target", "role")) == [("", "PENDING", "buyer")]


def test_a_reserved_ad_leaves_search(deal, client):
    from listings.search import SearchFilters
    from listings.selectors import listing_search

    assert deal.listing_id not in [x.pk for x in listing_search(filters=SearchFilters()).items]
    page = client.get(f"/ads/{deal.listing_id}/", follow=True)
    assert (page.status_code == 200 and "Safe Deal" in page.text) or "сделка" in page.text


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda listing, buyer: listing.seller, CannotStartDeal),  # one's own ad
        (
            lambda listing, buyer: (Listing.objects.filter(pk=listing.pk).update(price=0), buyer)[
                1
            ],
            CannotStartDeal,
        ),  # a free ad
        (
            lambda listing, buyer: (
                Listing.objects.filter(pk=listing.pk).update(status="sold"),
                buyer,
            )[1],
            CannotStartDeal,
        ),
    ],
    ids=["own-ad", "free-ad", "sold-ad"],
)
def test_who_and_what_cannot_be_bought(setup, error):
    listing, buyer = ListingFactory(price=10_000), UserFactory()
    who = setup(listing, buyer)
    with pytest.raises(error):
        services.deal_start(listing_id=listing.pk, buyer=who)
    assert not SafeDeal.objects.exists() and not EscrowEntry.objects.exists()


def test_jobs_services_and_real_estate_are_not_sold_with_safe_deal(client):
    from listings.models import Category

    vacancy = ListingFactory(category=Category.objects.get(slug="vacancies"), price=300_000)
    with pytest.raises(CannotStartDeal):
        services.deal_start(listing_id=vacancy.pk, buyer=UserFactory())
    assert "/deals/buy/" not in client.get(vacancy.get_absolute_url()).text
    bike = ListingFactory(price=60_000)
    assert f"/deals/buy/{bike.pk}/" in client.get(bike.get_absolute_url()).text


def test_one_open_deal_per_ad(deal):
    with pytest.raises(AdAlreadyInDeal):
        services.deal_start(listing_id=deal.listing_id, buyer=UserFactory())
    services.deal_transition(
        deal_id=deal.pk, target="CANCELLED", actor=deal.buyer, reason="Передумал"
    )
    assert Listing.objects.get(pk=deal.listing_id).status == "active"
    again = services.deal_start(listing_id=deal.listing_id, buyer=UserFactory())
    assert again.status == Status.PENDING


def test_completion_releases_the_money_and_the_ad_is_sold(deal):
    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    deal = services.deal_transition(deal_id=deal.pk, target="COMPLETED", actor=deal.buyer)
    assert list(deal.ledger.values_list("kind", flat=True)) == ["HOLD", "RELEASE"]
    assert Listing.objects.get(pk=deal.listing_id).status == "sold"
    assert deal.closed_at is not None


def test_the_ledger_balances_for_every_closed_deal(moderator):
    flows = [
        [("SHIPPED", "seller"), ("COMPLETED", "buyer")],
        [("CANCELLED", "buyer")],
        [("DISPUTED", "seller"), ("COMPLETED", "moderator")],
        [("SHIPPED", "seller"), ("DISPUTED", "buyer"), ("CANCELLED", "moderator")],
        [("SHIPPED", "seller"), ("CANCELLED", "seller")],
    ]
    for flow in flows:
        deal = services.deal_start(listing_id=ListingFactory(price=7_500).pk, buyer=UserFactory())
        actors = {"buyer": deal.buyer, "seller": deal.seller, "moderator": moderator}
        for target, who in flow:
            services.deal_transition(deal_id=deal.pk, target=target, actor=actors[who], **DETAILS)
    for deal in SafeDeal.objects.filter(status__in=["COMPLETED", "CANCELLED"]):
        held = deal.ledger.filter(kind="HOLD").aggregate(s=Sum("amount"))["s"]
        paid_out = deal.ledger.filter(kind__in=["RELEASE", "REFUND"]).aggregate(s=Sum("amount"))
        assert held == paid_out["s"] == deal.amount
        assert deal.ledger.count() == 2
    assert SafeDeal.objects.filter(status__in=["COMPLETED", "CANCELLED"]).count() == 5


def test_timeouts_act_as_the_system_once(deal):
    shipped = services.deal_start(listing_id=ListingFactory(price=9_000).pk, buyer=UserFactory())
    services.deal_transition(deal_id=shipped.pk, target="SHIPPED", actor=shipped.seller, **DETAILS)
    with time_machine.travel(timezone.now() + timedelta(days=3, hours=1), tick=False):
        assert services.deal_timeouts_process() == 1  # the unshipped one is cancelled
        assert services.deal_timeouts_process() == 0
    deal.refresh_from_db()
    assert deal.status == Status.CANCELLED and deal.events.last().role == "system"
    assert list(deal.ledger.values_list("kind", flat=True)) == ["HOLD", "REFUND"]
    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1), tick=False):
        assert services.deal_timeouts_process() == 1  # the silent buyer's deal completes
    shipped.refresh_from_db()
    assert shipped.status == Status.COMPLETED and shipped.events.last().role == "system"


def test_reviews_update_the_rating_once_per_side(deal):
    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    with pytest.raises(ReviewNotAllowed):
        services.review_leave(deal_id=deal.pk, author=deal.buyer, rating=5)
    services.deal_transition(deal_id=deal.pk, target="COMPLETED", actor=deal.buyer)
    services.review_leave(deal_id=deal.pk, author=deal.buyer, rating=5, text="Отлично!")
    other = services.deal_start(
        listing_id=ListingFactory(seller=deal.seller, price=1000).pk, buyer=UserFactory()
    )
    services.deal_transition(deal_id=other.pk, target="SHIPPED", actor=other.seller, **DETAILS)
    services.deal_transition(deal_id=other.pk, target="COMPLETED", actor=other.buyer)
    services.review_leave(deal_id=other.pk, author=other.buyer, rating=2)
    deal.seller.refresh_from_db()
    assert (float(deal.seller.rating_avg), deal.seller.rating_count) == (3.5, 2)
    with pytest.raises(ReviewNotAllowed):
        services.review_leave(deal_id=deal.pk, author=deal.buyer, rating=4)
    with pytest.raises(DealNotFound):
        services.review_leave(deal_id=deal.pk, author=UserFactory(), rating=1)
    services.review_leave(deal_id=deal.pk, author=deal.seller, rating=4)  # the other side
    deal.buyer.refresh_from_db()
    assert deal.buyer.rating_count == 1


def test_reviews_close_after_thirty_days(deal):
    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    services.deal_transition(deal_id=deal.pk, target="COMPLETED", actor=deal.buyer)
    with pytest.raises(ReviewNotAllowed):
        services.review_leave(
            deal_id=deal.pk, author=deal.buyer, rating=5, now=timezone.now() + timedelta(days=31)
        )


def test_participants_are_told_in_chat_and_by_email_by_jobs_after_the_move(run_jobs):
    listing, buyer = ListingFactory(price=5_000), UserFactory()
    deal = services.deal_start(listing_id=listing.pk, buyer=buyer)
    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    assert not Message.objects.exists() and not mail.outbox  # the request sent nothing
    assert run_jobs().count("deals.deal_changed_notify") == 2
    notes = list(Message.objects.filter(sender=None).order_by("id"))
    assert len(notes) == 2 and "KZ123456789" in notes[1].body
    assert notes[1].recipient == buyer  # news to the buyer
    assert len(mail.outbox) == 2
    assert set(mail.outbox[1].to) == {buyer.email, listing.seller.email}
