"""Ad pages while the cache (Redis) is away: served as usual, the view simply not counted.
Redis here is a private redis-server that each test stops and starts again."""

import logging
import time

import pytest
from rest_framework.test import APIClient

from listings import services
from listings.tests.factories import ListingFactory
from zattar.testing import private_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_server():
    with private_redis() as server:
        yield server


def test_the_ad_page_is_served_while_redis_is_down(client, redis_server, caplog):
    listing = ListingFactory()
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="listings.services"):
        response = client.get(listing.get_absolute_url())
    assert response.status_code == 200
    listing.refresh_from_db()
    assert listing.view_count == 0
    assert "not counted" in caplog.text


def test_the_api_ad_is_served_while_redis_is_down(redis_server):
    listing = ListingFactory()
    redis_server.stop()
    response = APIClient().get(f"/api/v1/listings/{listing.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == listing.pk


def test_views_are_counted_again_once_redis_is_back(client, redis_server):
    listing = ListingFactory()
    redis_server.stop()
    client.get(listing.get_absolute_url())
    redis_server.start()
    client.get(listing.get_absolute_url())
    client.get(listing.get_absolute_url())
    services.listing_views_flush()
    listing.refresh_from_db()
    assert listing.view_count == 1


def test_a_hanging_redis_does_not_hold_the_ad_page_for_long(client, redis_server):
    """The cache gives up after 1 s (redis-py's default is 5 s per call)."""
    listing = ListingFactory()
    redis_server.pause()
    try:
        started_at = time.monotonic()
        response = client.get(listing.get_absolute_url())
        elapsed = time.monotonic() - started_at
    finally:
        redis_server.resume()
    assert response.status_code == 200
    assert elapsed < 4.5
