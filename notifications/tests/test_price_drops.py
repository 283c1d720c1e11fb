"""Price drops on favourites: the seller lowers the price through the API, the people who
favourited the ad get an e-mail at a real SMTP server, at most once a day per ad."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.services import user_block
from listings.models import Favorite
from listings.tests.factories import ListingFactory
from notifications.triggers import price_drop_tell
from zattar.testing import api_for

pytestmark = pytest.mark.django_db


def drops(smtp_server):
    return [m for _s, _r, m in smtp_server.received if m["X-Zattar-Kind"] == "price_drops"]


@pytest.fixture
def ad():
    listing = ListingFactory(price=100_000, seller=UserFactory(language="en"))
    fan = UserFactory(language="en", email="fan@example.kz")
    api_for(fan).post(f"/api/v1/listings/{listing.pk}/favorite")
    assert Favorite.objects.filter(user=fan, listing=listing).exists()
    return listing, fan


def set_price(listing, price: int) -> None:
    answer = api_for(listing.seller).patch(
        f"/api/v1/listings/{listing.pk}", {"price": price}, format="json"
    )
    assert answer.status_code == 200, answer.content


def test_favouriters_hear_of_a_drop_once_a_day_and_never_of_a_rise(ad, smtp_server, run_jobs):
    listing, _fan = ad
    set_price(listing, 80_000)
    assert run_jobs() == ["notifications.price_drop_fanout", "notifications.deliver"]
    (mail,) = drops(smtp_server)
    assert mail["To"] == "fan@example.kz" and mail["Content-Language"] == "en"
    assert mail["Subject"] == f"Price drop: “{listing.title}”"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "100\u00a0000\u00a0₸ → 80\u00a0000\u00a0₸" in text
    assert f"{settings.SITE_URL}/en/ads/{listing.pk}-" in text  # in the fan's language
    set_price(listing, 70_000)  # the same day: nothing more
    set_price(listing, 90_000)  # a rise: no job at all
    assert run_jobs() == ["notifications.price_drop_fanout"]
    assert len(drops(smtp_server)) == 1
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        set_price(listing, 60_000)  # the next day
        run_jobs()
    assert len(drops(smtp_server)) == 2


def test_not_the_seller_nor_banned_nor_blocked_people(ad, smtp_server, run_jobs):
    listing, fan = ad
    banned = UserFactory(language="en")
    blocker = UserFactory(language="en")
    blocked = UserFactory(language="en")
    for person in (banned, blocker, blocked, listing.seller):
        Favorite.objects.create(user=person, listing=listing)
    banned.is_active = False
    banned.save(update_fields=["is_active"])
    user_block(blocker=blocker, blocked=listing.seller)
    user_block(blocker=listing.seller, blocked=blocked)
    set_price(listing, 50_000)
    run_jobs()
    assert [m["To"] for m in drops(smtp_server)] == [fan.email]


def test_the_fan_out_in_batches_run_twice_tells_once(ad, smtp_server, run_jobs):
    listing, fan = ad
    others = [UserFactory(language="en") for _ in range(4)]
    for person in others:
        Favorite.objects.create(user=person, listing=listing)
    set_price(listing, 90_000)
    # The job's function, in batches of 2, twice over (a retried job): each person once.
    assert price_drop_tell(listing_id=listing.pk, old_price=100_000, batch=2) == 5
    assert price_drop_tell(listing_id=listing.pk, old_price=100_000, batch=2) == 0
    run_jobs()
    assert sorted(m["To"] for m in drops(smtp_server)) == sorted(p.email for p in [fan, *others])
