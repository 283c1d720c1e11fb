import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from listings.management.commands import seed_demo
from listings.models import Listing, SearchTerm


@pytest.fixture
def few_demo_ads(monkeypatch):
    subset = {slug: ads[:2] for slug, ads in list(seed_demo.DEMO_ADS.items())[:4]}
    monkeypatch.setattr(seed_demo, "DEMO_ADS", subset)
    return sum(len(ads) for ads in subset.values())


@pytest.mark.django_db
def test_seed_demo_loads_users_and_ads_with_photos_once(few_demo_ads):
    call_command("seed_demo")
    ads, users = Listing.objects.count(), User.objects.count()
    assert ads == few_demo_ads
    assert users == len(seed_demo.DEMO_USERS) + 1  # and one moderator
    assert Listing.objects.filter(image_count__gt=0).exists()
    call_command("seed_demo")
    assert (Listing.objects.count(), User.objects.count()) == (ads, users)


@pytest.mark.django_db(transaction=True)
def test_bulk_load_is_searchable_and_indexed():
    call_command("seed_demo", listings=600)
    assert Listing.objects.count() == 600
    assert not Listing.objects.filter(search_vector=None).exists()
    assert SearchTerm.objects.exists()  # the title vocabulary for typo correction
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'listings_listing'")
        assert "listing_search" in {row[0] for row in cursor.fetchall()}
