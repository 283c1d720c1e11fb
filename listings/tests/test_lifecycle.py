"""The ad's life (issue 12): expiry after LISTING_LIFETIME_DAYS with a reminder 2 days before
and a notice on expiry (through the real SMTP server), renew in one click, "raise to top" once
per BUMP_COOLDOWN_DAYS, and the limit of active ads per seller per category; through the pages
and the API, with time-machine for the clock."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from listings import services
from listings.errors import CategoryLimitReached
from listings.models import Category, City, Listing
from listings.tasks import listings_expire, listings_remind_expiring
from listings.tests.factories import ListingFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

# In the past of the real clock: the test client's session (made at the real time) is valid
# all along. 11:00 in Almaty.
T0 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
DAY = timedelta(days=1)
LIFETIME = timedelta(days=30)


def ad_form(**overrides):
    return {
        "title": "Диван угловой раскладной",
        "category": "furniture",
        "description": "Раскладывается в полноценную кровать, есть ящик для белья, без дефектов.",
        "price": "125000",
        "condition": "used",
        "city": "almaty",
        **overrides,
    }


@pytest.fixture
def seller(client):
    user = UserFactory(email="seller@example.kz", language="kk")
    client.force_login(user)
    with translation.override("en"):  # reverse() gives /en/...: the pages' messages as msgids
        yield user


@pytest.fixture
def api():
    return APIClient()


def sweep(run_jobs, task) -> list[str]:
    """The periodic job as the worker runs it: deferred, then run with what it defers."""
    task.defer(timestamp=0)
    return run_jobs()


def bodies(smtp_server) -> list[str]:
    return [
        m.get_body(preferencelist=("plain",)).get_content() for _s, _r, m in smtp_server.received
    ]


def test_an_ad_expires_after_its_lifetime_with_a_reminder_and_a_notice(
    client, seller, api, smtp_server, run_jobs
):
    with time_machine.travel(T0, tick=False):
        client.post(reverse("listings:create"), ad_form())
    ad = Listing.objects.get(seller=seller)
    assert ad.status == "active" and ad.expires_at == T0 + LIFETIME
    with translation.override(seller.language):  # e-mails link the page in the seller's language
        renew_link = settings.SITE_URL + reverse("listings:renew", args=[ad.pk])

    with time_machine.travel(T0 + 27 * DAY, tick=False):  # 3 days left: nothing yet
        sweep(run_jobs, listings_remind_expiring)
        assert smtp_server.received == []

    with time_machine.travel(T0 + 28 * DAY + timedelta(hours=1), tick=False):
        assert sweep(run_jobs, listings_remind_expiring) == [
            "listings.listings_remind_expiring",
            "notifications.deliver",
        ]
        sweep(run_jobs, listings_remind_expiring)  # the job again: nothing more
        services.listings_remind_expiring()  # and its body once more, as a retry would run it
        run_jobs()
    ((_sender, recipients, message),) = smtp_server.received
    assert recipients == ["seller@example.kz"]
    assert message["Content-Language"] == "kk"  # the seller's language, not the site's
    assert ad.title in message["Subject"]
    assert renew_link in bodies(smtp_server)[0]
    assert api.get("/api/v1/listings", {"q": "Диван"}).json()["count"] == 1  # still listed

    with time_machine.travel(T0 + LIFETIME + timedelta(minutes=1), tick=False):
        sweep(run_jobs, listings_expire)
        sweep(run_jobs, listings_expire)
        services.listings_expire()
        run_jobs()
        ad.refresh_from_db()
        assert ad.status == "expired"
        assert len(smtp_server.received) == 2  # the reminder and the notice, once each
        notice = smtp_server.received[1][2]
        assert ad.title in notice["Subject"] and renew_link in bodies(smtp_server)[1]
        assert Notification.objects.filter(user=seller, event="listings/expired").count() == 1
        # Out of search, lists and its public page; the seller finds it in the Expired tab.
        assert api.get("/api/v1/listings", {"q": "Диван"}).json()["count"] == 0
        assert client.get(reverse("home")).context["newest"] == []
        mine = client.get(reverse("listings:my_ads"), {"status": "expired"})
        assert [x.pk for x in mine.context["page"]] == [ad.pk]
        assert mine.context["counts"]["expired"] == 1
        assert reverse("listings:renew", args=[ad.pk]) in mine.text
    stranger = APIClient()
    assert stranger.get(f"/api/v1/listings/{ad.pk}").status_code == 404


def test_renew_from_the_email_link_keeps_the_ads_place(client, seller):
    published = T0 - 40 * DAY
    ad = ListingFactory(seller=seller, published_at=published, expires_at=T0 - 10 * DAY)
    with time_machine.travel(T0, tick=False):
        services.listings_expire()
        page = client.get(reverse("listings:renew", args=[ad.pk]))
        assert page.status_code == 200 and ad.title in page.text
        assert b'method="post"' in page.content
        response = client.post(reverse("listings:renew", args=[ad.pk]))
    assert response.status_code == 302
    ad.refresh_from_db()
    assert ad.status == "active"
    assert ad.expires_at == T0 + LIFETIME
    assert ad.published_at == published  # renewing is not raising


def test_an_active_ad_is_renewed_only_in_its_last_days(client, seller):
    ad = ListingFactory(seller=seller, expires_at=T0 + 10 * DAY)
    with time_machine.travel(T0, tick=False):
        response = client.post(reverse("listings:renew", args=[ad.pk]), follow=True)
        (message,) = get_messages(response.wsgi_request)
        assert message.level_tag == "error" and "last 3 days" in message.message
        ad.refresh_from_db()
        assert ad.expires_at == T0 + 10 * DAY
    with time_machine.travel(T0 + 8 * DAY, tick=False):
        client.post(reverse("listings:renew", args=[ad.pk]))
    ad.refresh_from_db()
    assert ad.expires_at == T0 + 8 * DAY + LIFETIME


def test_nobody_else_may_renew_or_raise_an_ad_on_the_pages(client, seller):
    other = ListingFactory(status="active", published_at=T0 - 20 * DAY, expires_at=T0 + DAY)
    with time_machine.travel(T0, tick=False):
        assert client.get(reverse("listings:renew", args=[other.pk])).status_code == 404
        assert client.post(reverse("listings:renew", args=[other.pk])).status_code == 404
        assert client.post(reverse("listings:raise", args=[other.pk])).status_code == 404
    before = (other.expires_at, other.published_at)
    other.refresh_from_db()
    assert (other.expires_at, other.published_at) == before


def test_renew_and_raise_through_the_api_only_for_the_seller(api):
    owner = UserFactory()
    ad = ListingFactory(seller=owner, published_at=T0 - 20 * DAY, expires_at=T0 - DAY)
    api.force_authenticate(UserFactory())
    with time_machine.travel(T0, tick=False):
        services.listings_expire()
        assert api.post(f"/api/v1/listings/{ad.pk}/renew").status_code == 404
        assert api.post(f"/api/v1/listings/{ad.pk}/raise").status_code == 404
        api.force_authenticate(owner)
        expired_raise = api.post(f"/api/v1/listings/{ad.pk}/raise")
        assert expired_raise.status_code == 409
        assert expired_raise.json()["code"] == "status_change_not_allowed"
        renewed = api.post(f"/api/v1/listings/{ad.pk}/renew")
        assert renewed.status_code == 200
        body = renewed.json()
        assert body["status"] == "active"
        assert body["expires_at"].startswith((T0 + LIFETIME).date().isoformat())
        again = api.post(f"/api/v1/listings/{ad.pk}/renew")
        assert again.status_code == 409 and again.json()["code"] == "renew_not_allowed"


def test_raise_to_top_once_per_cooldown_with_retry_after(api):
    owner = UserFactory()
    api.force_authenticate(owner)
    ad = ListingFactory(seller=owner, published_at=T0, expires_at=T0 + LIFETIME)
    older_neighbour = ListingFactory(published_at=T0 + DAY)
    with time_machine.travel(T0 + 10 * DAY, tick=False):
        refused = api.post(f"/api/v1/listings/{ad.pk}/raise")
        assert refused.status_code == 429
        body = refused.json()
        assert body["code"] == "raise_too_soon" and body["detail"]
        assert body["retry_after"] == 4 * 24 * 3600
        assert refused["Retry-After"] == str(4 * 24 * 3600)
    now = T0 + 14 * DAY
    with time_machine.travel(now, tick=False):
        raised = api.post(f"/api/v1/listings/{ad.pk}/raise")
        assert raised.status_code == 200
        assert raised.json()["published_at"].startswith(now.date().isoformat())
        newest = api.get("/api/v1/listings", {"ordering": "new"}).json()["results"]
        assert [x["id"] for x in newest] == [ad.pk, older_neighbour.pk]
        assert api.post(f"/api/v1/listings/{ad.pk}/raise").json()["retry_after"] == 14 * 86400
    ad.refresh_from_db()
    assert ad.published_at == ad.raised_at == now
    assert ad.expires_at == now + LIFETIME  # a raise is a new publication: a full lifetime


def test_raise_on_the_page_says_when_it_is_possible_again(client, seller):
    ad = ListingFactory(seller=seller, published_at=T0, expires_at=T0 + LIFETIME)
    with time_machine.travel(T0 + 9 * DAY, tick=False):
        page = client.get(reverse("listings:my_ads"))
        assert "Raise again in 5\xa0days" in page.text
        assert reverse("listings:raise", args=[ad.pk]) not in page.text
        response = client.post(reverse("listings:raise", args=[ad.pk]), follow=True)
        (message,) = get_messages(response.wsgi_request)
        assert message.level_tag == "warning" and "5\xa0days" in message.message
    with time_machine.travel(T0 + 14 * DAY, tick=False):
        page = client.get(reverse("listings:my_ads"))
        assert reverse("listings:raise", args=[ad.pk]) in page.text
        response = client.post(reverse("listings:raise", args=[ad.pk]), follow=True)
        (message,) = get_messages(response.wsgi_request)
        assert message.level_tag == "success"
    ad.refresh_from_db()
    assert ad.published_at == T0 + 14 * DAY


def test_archive_then_reactivate_does_not_bump(client, seller):
    ad = ListingFactory(seller=seller, published_at=T0 - 45 * DAY, expires_at=T0 + DAY)
    with time_machine.travel(T0, tick=False):
        client.post(reverse("listings:status", args=[ad.pk]), {"status": "archived"})
        client.post(reverse("listings:status", args=[ad.pk]), {"status": "active"})
    ad.refresh_from_db()
    assert ad.status == "active" and ad.published_at == T0 - 45 * DAY
    assert ad.expires_at == T0 + LIFETIME


def test_my_ads_shows_expiry_and_the_buttons(client, seller, django_assert_num_queries):
    with time_machine.travel(T0, tick=False):
        soon = ListingFactory(
            seller=seller, title="Скоро истекает", published_at=T0 - 28 * DAY, expires_at=T0 + DAY
        )
        later = ListingFactory(seller=seller, published_at=T0, expires_at=T0 + LIFETIME)
        # session+user, count, page, covers, status counts, the header's badges
        with django_assert_num_queries(6):
            page = client.get(reverse("listings:my_ads"))
    text = page.text
    assert f'id="ad-{soon.pk}"' in text and f'id="ad-{later.pk}"' in text
    assert "Shown until 2 Oct<" in text and "Shown until 31 Oct<" in text  # this year: no year
    renew = reverse("listings:renew", args=[soon.pk])
    assert renew in text and reverse("listings:renew", args=[later.pk]) not in text
    assert reverse("listings:raise", args=[soon.pk]) in text  # published 28 days ago
    assert "Raise again in 2\xa0weeks" in text  # the one published today
    assert 'href="?status=expired"' in text


@pytest.fixture
def two_per_category(settings):
    settings.LISTING_LIMIT_PER_CATEGORY = 2


def test_posting_over_the_category_limit_is_refused_on_the_form(client, seller, two_per_category):
    furniture = Category.objects.get(slug="furniture")
    ListingFactory.create_batch(
        2, seller=seller, category=furniture, root_category=furniture.parent
    )
    ListingFactory(seller=seller, category=furniture, root_category=furniture.parent, status="sold")
    response = client.post(reverse("listings:create"), ad_form())
    assert response.status_code == 200
    assert "2 active ads" in " ".join(response.context["form"].errors["category"])
    assert Listing.objects.filter(seller=seller).count() == 3
    other_category = client.post(reverse("listings:create"), ad_form(category="bicycles"))
    assert other_category.status_code == 302


def test_the_limit_on_the_api_and_on_reactivating_and_renewing(api, two_per_category):
    owner = UserFactory()
    api.force_authenticate(owner)
    phones = Category.objects.get(slug="phones")
    ListingFactory.create_batch(2, seller=owner, category=phones, root_category=phones.parent)
    archived = ListingFactory(
        seller=owner, category=phones, root_category=phones.parent, status="archived"
    )
    expired = ListingFactory(
        seller=owner, category=phones, root_category=phones.parent, status="expired"
    )
    ad = {
        "title": "Samsung Galaxy S21 128GB",
        "description": "Официальный, полный комплект, экран без царапин, батарея держит день.",
        "price": 125000,
        "condition": "used",
        "city": "almaty",
        "category": "phones",
    }
    refused = api.post("/api/v1/listings", ad, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "category_limit" and refused.json()["limit"] == 2
    renew = api.post(f"/api/v1/listings/{expired.pk}/renew")
    assert renew.status_code == 409 and renew.json()["code"] == "category_limit"
    with pytest.raises(CategoryLimitReached):
        services.listing_set_status(listing_id=archived.pk, seller=owner, status="active")
    archived.refresh_from_db()
    expired.refresh_from_db()
    assert (archived.status, expired.status) == ("archived", "expired")
    assert Listing.objects.filter(seller=owner, status="active").count() == 2


def test_reserved_ads_do_not_expire_and_come_back_with_time_to_live(run_jobs):
    ad = ListingFactory(status="reserved", expires_at=T0 - DAY)
    with time_machine.travel(T0, tick=False):
        assert services.listings_expire() == 0
        ad.refresh_from_db()
        assert ad.status == "reserved"
        services.listing_release(listing=ad)
    ad.refresh_from_db()
    assert ad.status == "active" and ad.expires_at == T0 + LIFETIME


def test_approval_starts_a_fresh_lifetime():
    ad = ListingFactory(status="on_review", expires_at=T0 - DAY)
    with time_machine.travel(T0, tick=False):
        services.listing_approve(listing_id=ad.pk)
    ad.refresh_from_db()
    assert ad.status == "active" and ad.expires_at == T0 + LIFETIME


def test_the_reminder_comes_again_after_a_renewal(smtp_server, run_jobs):
    ad = ListingFactory(published_at=T0 - 29 * DAY, expires_at=T0 + DAY)
    with time_machine.travel(T0, tick=False):
        services.listings_remind_expiring()
        services.listing_renew(listing_id=ad.pk, seller=ad.seller)
        run_jobs()
    with time_machine.travel(T0 + 29 * DAY, tick=False):
        services.listings_remind_expiring()
        services.listings_remind_expiring()
        run_jobs()
    keys = sorted(Notification.objects.filter(user=ad.seller).values_list("key", flat=True))
    assert keys == [f"listing:{ad.pk}:expiring:2026-10-02", f"listing:{ad.pk}:expiring:2026-10-31"]
    assert len(smtp_server.received) == 2
    assert all(re.search(r"/ads/\d+/renew/", body) for body in bodies(smtp_server))


@pytest.mark.django_db(transaction=True)
def test_two_ads_posted_at_once_cannot_both_pass_the_limit(settings, monkeypatch):
    """The count and the insert are apart in time; the seller's row lock keeps a second
    posting waiting until the first commits, so it counts the first one."""
    import threading
    import time

    from django.db import connection

    settings.LISTING_LIMIT_PER_CATEGORY = 1
    owner = UserFactory()
    checked = services._refuse_over_limit

    def slow_check(**kwargs):
        checked(**kwargs)
        time.sleep(0.5)  # the window in which an unlocked count would let both through

    monkeypatch.setattr(services, "_refuse_over_limit", slow_check)
    outcomes = []

    def post(title):
        try:
            services.listing_create(
                seller=owner,
                title=title,
                description="Колёса 26 дюймов, 21 скорость, дисковые тормоза, всё работает.",
                price=65_000,
                negotiable=False,
                condition="used",
                city=City.objects.get(slug="almaty"),
                category=Category.objects.get(slug="bicycles"),
            )
            outcomes.append("posted")
        except CategoryLimitReached:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=post, args=(title,))
        for title in ("Горный велосипед Stels Navigator", "Шоссейный велосипед Merida Scultura")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["posted", "refused"]
    assert Listing.objects.filter(seller=owner).count() == 1
