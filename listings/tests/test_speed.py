"""What keeps pages cheap: no session for anonymous viewers, view counts batched in Redis and
moved into the database by a job that adds each batch once."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Session
from listings import services
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def public_pages(listing) -> list[str]:
    return [
        reverse("home"),
        reverse("listings:search"),
        f"{reverse('listings:search')}?q=велосипед",
        f"{reverse('listings:search')}?category=transport",
        listing.get_absolute_url(),
        reverse("accounts:profile", args=[listing.seller_id]),
        reverse("accounts:login"),
    ]


def test_an_anonymous_visit_of_every_public_page_makes_no_session(client, settings):
    listing = ListingFactory()
    for path in public_pages(listing):
        response = client.get(path)
        assert response.status_code == 200, path
        assert settings.SESSION_COOKIE_NAME not in response.cookies, path
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert not Session.objects.exists()


def test_anonymous_views_count_once_per_viewer_without_a_cookie(client):
    listing = ListingFactory()
    client.get(listing.get_absolute_url())
    client.get(listing.get_absolute_url())  # the same network and browser: the same viewer
    client.get(listing.get_absolute_url(), HTTP_USER_AGENT="Another browser")
    client.get(listing.get_absolute_url(), REMOTE_ADDR="10.9.8.7")
    assert services.listing_views_flush() == 3
    listing.refresh_from_db()
    assert listing.view_count == 3


def test_a_view_is_not_written_to_the_ad_row_until_the_flush(client):
    listing = ListingFactory()
    client.get(listing.get_absolute_url())
    listing.refresh_from_db()
    assert listing.view_count == 0
    assert services.listing_views_flush() == 1
    listing.refresh_from_db()
    assert listing.view_count == 1
    assert services.listing_views_flush() == 0  # nothing new: nothing added


def test_the_flush_adds_every_ad_in_one_update(client, django_assert_num_queries):
    ads = ListingFactory.create_batch(3)
    for ad in ads:
        for viewer in range(ad.pk % 3 + 1):
            services.listing_register_view(listing_id=ad.pk, viewer_key=f"u{viewer}")
    # the batch id row, the UPDATE of all ads, the pruning of old batch rows (+ savepoints)
    with django_assert_num_queries(5):
        assert services.listing_views_flush() == sum(ad.pk % 3 + 1 for ad in ads)
    for ad in ads:
        ad.refresh_from_db()
        assert ad.view_count == ad.pk % 3 + 1


def test_a_batch_retried_after_a_crash_is_added_once(monkeypatch):
    """The job died after its transaction committed but before it dropped the batch from Redis:
    the next run finds the batch, sees its id in the database and adds nothing."""
    listing = ListingFactory()
    services.listing_register_view(listing_id=listing.pk, viewer_key="u1")
    services.listing_register_view(listing_id=listing.pk, viewer_key="u2")
    client = services._redis_client()

    def crash(*keys):
        raise ConnectionError("the worker died here")

    monkeypatch.setattr(type(client), "delete", lambda self, *keys: crash(*keys))
    with pytest.raises(ConnectionError):
        services.listing_views_flush()
    monkeypatch.undo()
    listing.refresh_from_db()
    assert listing.view_count == 2
    services.listing_register_view(listing_id=listing.pk, viewer_key="u3")  # arrives meanwhile
    assert services.listing_views_flush() == 0  # the stranded batch: already in the database
    assert services.listing_views_flush() == 1  # then the new view
    listing.refresh_from_db()
    assert listing.view_count == 3
    assert not client.exists(cache.make_and_validate_key(services.FLUSHING_VIEWS))


def test_the_periodic_job_flushes(client):
    from listings.tasks import listings_flush_views

    listing = ListingFactory()
    client.get(listing.get_absolute_url())
    listings_flush_views(timestamp=0)
    listing.refresh_from_db()
    assert listing.view_count == 1
