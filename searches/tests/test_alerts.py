"""Alerts as people get them: an ad is posted through the API, the minute's sweep and the
hourly digest run as the worker runs them, and the e-mail arrives at a real SMTP server."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from procrastinate.contrib.django import app
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from listings.models import Listing
from listings.services import listing_hold
from listings.tests.factories import ListingFactory
from listings.tests.test_api import NEW_AD
from notifications.models import Notification
from searches.models import SavedSearchHit
from searches.tests.factories import SavedSearchFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def sweep() -> None:
    """The minute's periodic job, as the worker calls it."""
    app.tasks["searches.sweep"].func(timestamp=0)


def digests() -> None:
    app.tasks["searches.digests"].func(timestamp=0)


def save(user, params: dict, frequency: str = "instant") -> int:
    answer = api_for(user).post(
        "/api/v1/users/me/saved-searches",
        {"name": "Галакси", "params": params, "frequency": frequency},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    return answer.json()["id"]


def post_ad(seller, **changes) -> int:
    answer = api_for(seller).post("/api/v1/listings", {**NEW_AD, **changes}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()["id"]


def texts(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_an_instant_alert_arrives_within_minutes_and_only_once(smtp_server, run_jobs):
    buyer = UserFactory(email="dana@example.kz", language="kk")
    with time_machine.travel(START, tick=False) as clock:
        save(
            buyer,
            {"q": "samsung galaxy", "city": "almaty", "category": "phones", "price_max": 200_000},
        )
        ad_id = post_ad(UserFactory())
        published = Listing.objects.get(pk=ad_id).published_at
        clock.shift(timedelta(seconds=60))  # the next minute's sweep
        sweep()
        sweep()  # run twice: nothing new
        run_jobs()
        assert (datetime.now(UTC) - published).total_seconds() <= (
            settings.SAVED_SEARCH_INSTANT_SECONDS
        )
        ((_sender, recipients, message),) = smtp_server.received
        assert recipients == ["dana@example.kz"]
        assert message["Content-Language"] == "kk"
        assert "Samsung Galaxy S21 128GB" in message["Subject"]
        link = f"{settings.SITE_URL}/kk/ads/{ad_id}-"  # in Dana's language
        assert link in texts(message)
        # The next minutes look back over the same ad: it is not sent again, nor on a retry.
        clock.shift(timedelta(seconds=20))
        sweep()
        app.tasks["notifications.deliver"].func(
            notification_id=Notification.objects.get(user=buyer).pk
        )
        run_jobs()
    assert len(smtp_server.received) == 1
    assert SavedSearchHit.objects.filter(listing_id=ad_id).count() == 1


def test_own_blocked_held_and_unmatched_ads_are_never_alerted(smtp_server, run_jobs):
    buyer = UserFactory(email="erlan@example.kz")
    blocked, blocker, seller = UserFactory(), UserFactory(), UserFactory()
    with time_machine.travel(START, tick=False) as clock:
        save(buyer, {"q": "samsung", "category": "phones"})
        assert api_for(buyer).post(f"/api/v1/users/{blocked.pk}/block").status_code in (200, 201)
        assert api_for(blocker).post(f"/api/v1/users/{buyer.pk}/block").status_code in (200, 201)
        post_ad(buyer, title="Samsung A52 мой")
        post_ad(blocked, title="Samsung A52 от заблокированного")
        post_ad(blocker, title="Samsung A52 от того, кто заблокировал")
        held = post_ad(seller, title="Samsung A52 на проверке")
        listing_hold(listing_id=held)
        post_ad(seller, title="Nokia 3310 кнопочный", description="Кнопочный телефон, батарея.")
        good = post_ad(seller, title="Samsung A52 хороший")
        clock.shift(timedelta(seconds=60))
        sweep()
        run_jobs()
    ((_sender, recipients, message),) = smtp_server.received
    assert recipients == ["erlan@example.kz"]
    assert list(SavedSearchHit.objects.values_list("listing_id", flat=True)) == [good]
    assert f"/ads/{good}-" in texts(message)


def test_a_search_switched_off_sends_nothing(smtp_server, run_jobs):
    buyer = UserFactory()
    with time_machine.travel(START, tick=False) as clock:
        save(buyer, {"q": "samsung"}, frequency="off")
        post_ad(UserFactory())
        clock.shift(timedelta(seconds=60))
        sweep()
        run_jobs()
    assert smtp_server.received == []
    assert not SavedSearchHit.objects.exists()


def test_the_daily_digest_lists_at_most_20_new_ads_once(smtp_server, run_jobs):
    buyer = UserFactory(email="gulnar@example.kz", language="ru")
    seller = UserFactory()
    with time_machine.travel(START, tick=False) as clock:
        search_id = save(buyer, {"category": "bicycles", "city": "almaty"}, frequency="daily")
        for hour in range(25):
            clock.shift(timedelta(minutes=30))
            ListingFactory(seller=seller, title=f"Велосипед горный {hour}")
            clock.shift(timedelta(minutes=1))
            sweep()
            digests()
        run_jobs()
        assert smtp_server.received == []  # a daily search waits for its digest
        clock.move_to(START + timedelta(days=1, minutes=5))
        digests()
        digests()  # twice: one digest
        run_jobs()
        ((_sender, recipients, message),) = smtp_server.received
        assert recipients == ["gulnar@example.kz"]
        assert message["Content-Language"] == "ru"
        body = texts(message)
        assert body.count(f"{settings.SITE_URL}/ads/") == settings.SAVED_SEARCH_DIGEST_MAX_ADS
        assert "Велосипед горный 24" in body and "Велосипед горный 4\n" not in body
        assert "5" in body and f"{settings.SITE_URL}/search/?" in body  # and 5 more: the results
        # A new ad next morning: not before a day has passed since the last digest.
        clock.shift(timedelta(hours=1))
        fresh = ListingFactory(seller=seller, title="Велосипед детский")
        clock.shift(timedelta(minutes=1))
        sweep()
        digests()
        run_jobs()
        assert len(smtp_server.received) == 1
        clock.shift(timedelta(days=1))
        digests()
        run_jobs()
    assert len(smtp_server.received) == 2
    second = texts(smtp_server.received[1][2])
    assert f"/ads/{fresh.pk}-" in second and "Велосипед горный" not in second
    assert not SavedSearchHit.objects.filter(search_id=search_id, sent_at__isnull=True).exists()


def test_a_digest_leaves_out_ads_no_longer_on_sale(smtp_server, run_jobs):
    buyer = UserFactory()
    with time_machine.travel(START, tick=False) as clock:
        save(buyer, {"category": "bicycles"}, frequency="daily")
        ad = ListingFactory()
        clock.shift(timedelta(minutes=1))
        sweep()
        listing_hold(listing_id=ad.pk)
        clock.shift(timedelta(days=1))
        digests()
        run_jobs()
    assert smtp_server.received == []
    assert not SavedSearchHit.objects.filter(sent_at__isnull=True).exists()


def test_notify_many_tells_each_cause_once(smtp_server, run_jobs):
    from notifications.kinds import Kind
    from notifications.services import Notice, notify, notify_many

    user = UserFactory(email="zhan@example.kz", language="en")
    notify(user=user, kind=Kind.DEALS, event="tests/hello", key="a", context={"name": "A"})
    notices = [
        Notice(user=user, kind=Kind.DEALS, event="tests/hello", key=key, context={"name": key})
        for key in ("a", "b", "b", "c")
    ]
    created = notify_many(notices)
    assert [row.key for row in created] == ["b", "c"]
    assert notify_many(notices) == []
    run_jobs()
    subjects = sorted(message["Subject"] for _s, _r, message in smtp_server.received)
    assert subjects == ["Hello, A", "Hello, b", "Hello, c"]
    assert Notification.objects.filter(user=user).count() == 3


def test_old_sent_pairs_are_forgotten_and_waiting_ones_kept(settings):
    from searches.services import saved_search_hits_prune

    with time_machine.travel(START, tick=False) as clock:
        sent = SavedSearchFactory(q="велосипед")
        waiting = SavedSearchFactory(q="велосипед", frequency="daily")
        ListingFactory()
        clock.shift(timedelta(seconds=60))
        sweep()
        clock.shift(timedelta(days=settings.SAVED_SEARCH_HIT_KEEP_DAYS + 1))
        assert saved_search_hits_prune() == 1
        assert saved_search_hits_prune() == 0
    assert list(SavedSearchHit.objects.values_list("search_id", flat=True)) == [waiting.pk]
    assert sent.pk != waiting.pk


def test_an_ad_held_at_posting_is_alerted_when_a_moderator_approves_it(smtp_server, run_jobs):
    """The rules held it when it was posted (a phone number in the text): nobody saw it, and
    its approval two hours later is its publication, for the alerts and the newest-first list."""
    from django.contrib.auth.models import Group

    from listings.transitions import Status
    from moderation.services import listing_approve_reviewed

    buyer = UserFactory(email="zhanna@example.kz")
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    with time_machine.travel(START, tick=False) as clock:
        save(buyer, {"q": "samsung galaxy", "category": "phones"})
        held = post_ad(UserFactory(), description="Звоните +7 701 234 56 78, отдам недорого.")
        assert Listing.objects.get(pk=held).status == Status.ON_REVIEW
        clock.shift(timedelta(seconds=60))
        sweep()
        run_jobs()
        assert smtp_server.received == []  # on review: not alerted
        clock.shift(timedelta(hours=2))
        listing_approve_reviewed(listing_id=held, moderator=moderator)
        assert Listing.objects.get(pk=held).published_at == datetime.now(UTC)
        clock.shift(timedelta(seconds=60))
        sweep()
        run_jobs()
    ((_sender, recipients, message),) = smtp_server.received
    assert recipients == ["zhanna@example.kz"] and f"/ads/{held}-" in texts(message)
