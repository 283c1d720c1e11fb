"""Safe Deal reminders a day before each deadline and review requests after completion, at a real
SMTP server, with the clock moved by time-machine; every move still sends its own e-mail."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from accounts.tests.factories import UserFactory
from deals import tasks
from deals.models import SafeDeal
from deals.tests.conftest import delivery_for
from listings.templatetags.dates import long_datetime
from listings.tests.factories import ListingFactory
from zattar.testing import api_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/safe-deals"


def notices(smtp_server):
    return [m for _s, _r, m in smtp_server.received if m["X-Zattar-Kind"] == "deals"]


def moves(smtp_server):
    """The e-mails each move sends today (deals.notifications.deal_changed)."""
    return [m for _s, _r, m in smtp_server.received if m["X-Zattar-Kind"] is None]


def local(moment) -> str:
    """A deadline as the e-mails show it: Almaty time."""
    with translation.override("en"):
        return long_datetime(moment)  # 4 December 2026, 14:05 (one date style everywhere)


def reminders_at(run_jobs, when) -> list[str]:
    """The minute's periodic job at `when`, then what it deferred."""
    with time_machine.travel(when, tick=False):
        tasks.deal_reminders.defer(timestamp=int(when.timestamp()))
        return run_jobs()


def test_reminders_before_both_deadlines_and_review_requests_after(smtp_server, run_jobs):
    seller, buyer = UserFactory(language="en"), UserFactory(language="en")
    listing = ListingFactory(seller=seller, price=50_000)
    started = api_for(buyer).post(
        BASE, {"listing_id": listing.pk, "delivery": delivery_for(listing)}, format="json"
    )
    assert started.status_code == 201
    deal = SafeDeal.objects.get(pk=started.json()["id"])
    run_jobs()
    assert len(moves(smtp_server)) == 1  # the start, as before

    hours = timedelta(hours=settings.SAFE_DEAL_REMINDER_HOURS)
    reminders_at(run_jobs, deal.ship_by - hours - timedelta(minutes=1))
    assert notices(smtp_server) == []  # too early
    reminders_at(run_jobs, deal.ship_by - hours + timedelta(minutes=1))
    reminders_at(run_jobs, deal.ship_by - hours + timedelta(minutes=2))  # the next minute's run
    (ship,) = notices(smtp_server)
    assert ship["To"] == seller.email
    subject = f"Safe Deal #{deal.pk}: ship the item by {local(deal.ship_by)}"
    assert ship["Subject"].strip() == subject
    link = f"{settings.SITE_URL}/en/deals/{deal.pk}/"  # the page in the recipient's language
    assert link in ship.get_body(preferencelist=("plain",)).get_content()

    with time_machine.travel(deal.ship_by - timedelta(hours=2), tick=False):
        shipped = api_for(seller).post(
            f"{BASE}/{deal.pk}/transition",
            {"status": "SHIPPED", "tracking_number": "KZ1", "carrier": "CDEK"},
        )
        assert shipped.status_code == 200
        run_jobs()
    deal.refresh_from_db()
    reminders_at(run_jobs, deal.confirm_by - hours - timedelta(minutes=1))
    assert len(notices(smtp_server)) == 1
    reminders_at(run_jobs, deal.confirm_by - hours + timedelta(minutes=1))
    confirm = notices(smtp_server)[1]
    assert confirm["To"] == buyer.email
    assert confirm["Subject"].strip() == (
        f"Safe Deal #{deal.pk}: confirm delivery or open a dispute by {local(deal.confirm_by)}"
    )
    assert "completes by itself" in confirm.get_body(preferencelist=("plain",)).get_content()

    # Nobody confirms: the deadline completes the deal, and both are asked for a review.
    after = deal.confirm_by + timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        tasks.deal_timeouts.defer(timestamp=int(after.timestamp()))
        run_jobs()
    deal.refresh_from_db()
    assert deal.status == "COMPLETED"
    reviews = notices(smtp_server)[2:]
    assert sorted(m["To"] for m in reviews) == sorted([buyer.email, seller.email])
    for mail in reviews:
        assert mail["Subject"].strip() == f"Safe Deal #{deal.pk} completed: leave a review"
        assert f"{link}#review" in mail.get_body(preferencelist=("plain",)).get_content()
    assert len(moves(smtp_server)) == 3  # start, shipped, completed: what each move sent before
    assert reminders_at(run_jobs, after + timedelta(minutes=1)) == ["deals.deal_reminders"]
    assert len(notices(smtp_server)) == 4  # nothing twice


def test_the_reminder_job_run_twice_reminds_once(smtp_server, run_jobs):
    from deals.notifications import deal_reminders_send

    listing = ListingFactory(price=10_000)
    started = api_for(UserFactory()).post(
        BASE, {"listing_id": listing.pk, "delivery": delivery_for(listing)}, format="json"
    )
    deal = SafeDeal.objects.get(pk=started.json()["id"])
    with time_machine.travel(deal.ship_by - timedelta(hours=1), tick=False):
        assert deal_reminders_send() == 1
        assert deal_reminders_send() == 0
        run_jobs()
    assert len(notices(smtp_server)) == 1


def test_a_buyer_confirming_gets_a_review_request_with_the_form(client, smtp_server, run_jobs):
    seller, buyer = UserFactory(language="en"), UserFactory(language="en")
    listing = ListingFactory(seller=seller, price=10_000)
    deal_id = (
        api_for(buyer)
        .post(BASE, {"listing_id": listing.pk, "delivery": delivery_for(listing)}, format="json")
        .json()["id"]
    )
    api_for(seller).post(
        f"{BASE}/{deal_id}/transition",
        {"status": "SHIPPED", "tracking_number": "KZ1", "carrier": "CDEK"},
    )
    api_for(buyer).post(f"{BASE}/{deal_id}/transition", {"status": "COMPLETED"})
    run_jobs()
    (request, _other) = sorted(notices(smtp_server), key=lambda m: m["To"] != buyer.email)
    assert request["To"] == buyer.email
    client.force_login(buyer)
    page = client.get(f"/deals/{deal_id}/").content.decode()
    assert 'id="review"' in page  # the link's anchor: the review form
