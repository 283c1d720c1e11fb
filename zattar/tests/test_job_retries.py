"""Nothing is sent twice when a job is retried: for every kind of job the site defers, a
scenario makes real jobs through the path users take, a worker runs them, and then every one
of them runs again with the same arguments, as procrastinate does after a worker died between
the work and the job's end. What left the site (e-mails at a real SMTP server, SMS, money at
the payment provider, chat notes, notifications) is counted before and after the replay.

A job kind without a scenario fails `test_every_job_kind_has_a_retry_scenario`."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django import app
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from deals.tests.conftest import delivery_for

pytestmark = pytest.mark.django_db

# Upkeep of the queue itself: it sends nothing (deleting old rows, re-queueing a dead
# worker's jobs), and procrastinate's own built-in.
UPKEEP = {
    "zattar.remove_old_jobs",
    "zattar.retry_stalled_jobs",
    "procrastinate.builtin_tasks.remove_old_jobs",
    "builtin:procrastinate.builtin_tasks.remove_old_jobs",
    "searches.prune",  # forgets saved searches' sent pairs after a month
}

SCENARIOS = {}

BICYCLE = {
    "title": "Горный велосипед Stels Navigator",
    "description": "Колёса 26 дюймов, 21 скорость, дисковые тормоза, всё работает.",
    "price": 65000,
    "condition": "used",
    "city": "almaty",
    "category": "bicycles",
}


def scenario(*task_names, later=timedelta(0)):
    """Register a scenario for these job kinds; its jobs run `later` (a deadline to pass)."""

    def register(func):
        func.later = later
        for name in task_names:
            SCENARIOS[name] = func
        return func

    return register


def last_job_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM procrastinate_jobs")
        return cursor.fetchone()[0]


def jobs_since(job_id: int) -> list[tuple[str, dict]]:
    """The jobs this test deferred (not another test's left in the table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, args FROM procrastinate_jobs WHERE id > %s ORDER BY id", [job_id]
        )
        return [
            (name, json.loads(args) if isinstance(args, str) else args)
            for name, args in cursor.fetchall()
        ]


def replay(jobs) -> None:
    for name, args in jobs:
        app.tasks[name].func(**args)


class ProviderForTests:
    """A payment provider that keeps one movement per idempotency key, as real ones do, and
    counts every call."""

    calls: list[str] = []
    moves: dict[str, int] = {}

    def _move(self, kind, deal, idempotency_key):
        ProviderForTests.calls.append(idempotency_key)
        ProviderForTests.moves.setdefault(idempotency_key, deal.amount)
        return f"test-{kind}-{idempotency_key}"

    def hold(self, deal, *, idempotency_key):
        return self._move("hold", deal, idempotency_key)

    def release(self, deal, *, idempotency_key):
        return self._move("release", deal, idempotency_key)

    def refund(self, deal, *, idempotency_key):
        return self._move("refund", deal, idempotency_key)


@scenario("zattar.send_email")
def password_reset(client, smtp_server, **_):
    user = UserFactory(email="reset@example.kz")
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    return lambda: len(smtp_server.received)


@scenario("notifications.deliver")
def a_notification(smtp_server, **_):
    from notifications.kinds import Kind
    from notifications.models import Notification
    from notifications.services import notify

    notify(user=UserFactory(), kind=Kind.DEALS, event="tests/hello", key="k", url="/")
    return lambda: (len(smtp_server.received), Notification.objects.count())


@scenario(
    "deals.deal_changed_notify",
    "deals.escrow_settle",
    "deals.deal_timeouts",
    later=timedelta(days=30),
)
def a_safe_deal_left_to_time_out(smtp_server, settings, **_):
    from chat.models import Message
    from deals.models import SafeDeal
    from listings.tests.factories import ListingFactory

    settings.SAFE_DEAL_GATEWAY = f"{__name__}.ProviderForTests"
    ProviderForTests.calls, ProviderForTests.moves = [], {}
    listing = ListingFactory(price=50_000)
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.post(
        "/api/v1/safe-deals",
        {"listing_id": listing.pk, "delivery": delivery_for(listing)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    # The seller never ships: the periodic job cancels the deal and refunds the buyer.
    app.tasks["deals.deal_timeouts"].defer(timestamp=int(timezone.now().timestamp()))

    def sent():
        return (
            len(smtp_server.received),
            Message.objects.count(),
            sum(ProviderForTests.moves.values()),
            len(ProviderForTests.calls),
            SafeDeal.objects.get().status,
        )

    return sent


@scenario("accounts.phone_code_sms")
def a_phone_code(settings, tmp_path, **_):
    path = tmp_path / "sms.jsonl"
    settings.SMS_FILE_PATH = str(path)
    api = APIClient(REMOTE_ADDR="10.0.0.9")
    api.force_authenticate(UserFactory(unverified=True))
    assert api.post("/api/v1/users/me/phone/verify", {}, format="json").status_code == 202
    return lambda: len(path.read_text().splitlines()) if path.exists() else 0


@scenario("listings.listings_expire", "listings.listings_remind_expiring", later=timedelta(days=29))
def ads_running_out_of_time(smtp_server, **_):
    """One ad posted today (29 days on: the "expires in 2 days" reminder) and one with a day
    left (29 days on: expired, and its seller told)."""
    from listings.models import Listing
    from listings.tests.factories import ListingFactory
    from notifications.models import Notification

    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.post("/api/v1/listings", BICYCLE, format="json").status_code == 201
    ListingFactory(expires_at=timezone.now() + timedelta(days=1))
    later = int((timezone.now() + timedelta(days=29)).timestamp())
    app.tasks["listings.listings_expire"].defer(timestamp=later)
    app.tasks["listings.listings_remind_expiring"].defer(timestamp=later)

    def sent():
        statuses = sorted(Listing.objects.values_list("status", flat=True))
        return len(smtp_server.received), Notification.objects.count(), statuses

    return sent


@scenario("chat.unread_emails", later=timedelta(minutes=11))
def a_message_nobody_read(smtp_server, **_):
    """A buyer writes; the seller has no page open; the minute's sweep 11 minutes later."""
    from chat.services import conversation_start
    from listings.tests.factories import ListingFactory

    listing = ListingFactory()
    conversation, _ = conversation_start(listing=listing, buyer=UserFactory())
    api = APIClient()
    api.force_authenticate(conversation.buyer)
    url = f"/api/v1/chat/conversations/{conversation.pk}/messages"
    assert api.post(url, {"body": "Ещё продаёте?"}, format="json").status_code == 201
    at = timezone.now() + timedelta(minutes=11)
    app.tasks["chat.unread_emails"].defer(timestamp=int(at.timestamp()))
    return lambda: len(smtp_server.received)


@scenario("deals.deal_reminders", later=timedelta(days=2, hours=1))
def a_deal_near_its_deadline(smtp_server, **_):
    """A deal started through the API; a day before its ship-by deadline the seller is
    reminded (the deal's own move e-mails are counted too)."""
    from listings.tests.factories import ListingFactory
    from notifications.models import Notification

    api = APIClient()
    api.force_authenticate(UserFactory())
    listing = ListingFactory(price=30_000)
    assert (
        api.post(
            "/api/v1/safe-deals",
            {"listing_id": listing.pk, "delivery": delivery_for(listing)},
            format="json",
        ).status_code
        == 201
    )
    at = timezone.now() + timedelta(days=2, hours=1)
    app.tasks["deals.deal_reminders"].defer(timestamp=int(at.timestamp()))
    return lambda: (len(smtp_server.received), Notification.objects.count())


@scenario("notifications.price_drop_fanout")
def a_favourite_gets_cheaper(smtp_server, **_):
    from listings.tests.factories import ListingFactory

    listing = ListingFactory(price=100_000)
    fan, seller = APIClient(), APIClient()
    fan.force_authenticate(UserFactory())
    seller.force_authenticate(listing.seller)
    assert fan.post(f"/api/v1/listings/{listing.pk}/favorite").status_code == 204
    url = f"/api/v1/listings/{listing.pk}"
    assert seller.patch(url, {"price": 80_000}, format="json").status_code == 200
    return lambda: len(smtp_server.received)


def saved_searches_meet_a_new_ad(frequency: str):
    """Someone saved a search; an ad it finds is posted through the API."""
    api = APIClient()
    api.force_authenticate(UserFactory())
    saved = api.post(
        "/api/v1/users/me/saved-searches",
        {"params": {"q": "велосипед", "city": "almaty"}, "frequency": frequency},
        format="json",
    )
    assert saved.status_code == 201, saved.json()
    seller = APIClient()
    seller.force_authenticate(UserFactory())
    assert seller.post("/api/v1/listings", BICYCLE, format="json").status_code == 201


@scenario("searches.sweep", later=timedelta(minutes=1))
def an_instant_alert(smtp_server, **_):
    from notifications.models import Notification

    saved_searches_meet_a_new_ad("instant")
    at = timezone.now() + timedelta(minutes=1)
    app.tasks["searches.sweep"].defer(timestamp=int(at.timestamp()))
    return lambda: (len(smtp_server.received), Notification.objects.count())


@scenario("searches.digests", later=timedelta(days=1, hours=1))
def a_daily_digest(smtp_server, **_):
    """The minute's sweep (run as the worker would) keeps the ad for the digest; a day later
    the hourly digest job sends it."""
    from notifications.models import Notification

    saved_searches_meet_a_new_ad("daily")
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        app.tasks["searches.sweep"].func(timestamp=0)
    at = timezone.now() + timedelta(days=1, hours=1)
    app.tasks["searches.digests"].defer(timestamp=int(at.timestamp()))
    return lambda: (len(smtp_server.received), Notification.objects.count())


@scenario("listings.pending_photos_expire", later=timedelta(days=1, hours=1))
def a_photo_no_ad_took(client, **_):
    """A photo uploaded from the ad form and never published: the hourly job a day later
    deletes it (and its files) once."""
    from accounts.tests.images import jpeg_with_gps, upload
    from listings.models import PendingPhoto

    client.force_login(UserFactory())
    response = client.post(
        reverse("listings:photo_upload"), {"photo": upload(jpeg_with_gps(640, 480, 1), "a.jpg")}
    )
    assert response.status_code == 201
    later = int((timezone.now() + timedelta(days=1, hours=1)).timestamp())
    app.tasks["listings.pending_photos_expire"].defer(timestamp=later)
    return lambda: 1 - PendingPhoto.objects.count()  # deleted: 1


@scenario("listings.listings_flush_views", later=timedelta(minutes=1))
def an_ad_seen(client, **_):
    """An anonymous visitor opens an ad: the view waits in Redis until the minute's job adds
    it to the ad's count, once."""
    from listings.models import Listing
    from listings.tests.factories import ListingFactory

    ad = ListingFactory()
    assert client.get(ad.get_absolute_url()).status_code == 200
    later = int((timezone.now() + timedelta(minutes=1)).timestamp())
    app.tasks["listings.listings_flush_views"].defer(timestamp=later)
    return lambda: Listing.objects.get(pk=ad.pk).view_count


def test_every_job_kind_has_a_retry_scenario():
    assert set(app.tasks) - UPKEEP - set(SCENARIOS) == set()


@pytest.mark.parametrize("task_name", sorted(SCENARIOS))
def test_a_retried_job_sends_nothing_twice(
    task_name, client, smtp_server, settings, tmp_path, run_jobs
):
    make = SCENARIOS[task_name]
    before = last_job_id()
    effect = make(client=client, smtp_server=smtp_server, settings=settings, tmp_path=tmp_path)
    with time_machine.travel(timezone.now() + make.later, tick=False):
        ran = run_jobs()
        assert task_name in ran, ran
        once = effect()
        assert once and any(once if isinstance(once, tuple) else [once])
        replay(jobs_since(before))
        assert effect() == once
