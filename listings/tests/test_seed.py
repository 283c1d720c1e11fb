import io

import pytest
from django.core.management import CommandError, call_command
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
def test_seed_demo_loads_users_and_ads_with_photos_once(few_demo_ads, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    ads, users = Listing.objects.count(), User.objects.count()
    assert ads == few_demo_ads
    assert users == len(seed_demo.DEMO_USERS)
    assert Listing.objects.filter(image_count__gt=0).exists()
    call_command("seed_demo", stdout=io.StringIO())
    assert (Listing.objects.count(), User.objects.count()) == (ads, users)


@pytest.mark.django_db
def test_no_demo_account_has_a_known_password_or_moderates(few_demo_ads, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first_email = seed_demo.DEMO_USERS[0][0]
    printed = out.getvalue().split(f"{first_email} / ")[1].split()[0]
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(is_staff=True).exists()
    others = User.objects.exclude(email=first_email)
    assert others.count() == len(seed_demo.DEMO_USERS) - 1
    assert not any(user.has_usable_password() for user in others)
    assert User.objects.get(email=first_email).check_password(printed)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)  # every run: a new password, the old one dead
    assert not User.objects.get(email=first_email).check_password(printed)


@pytest.mark.django_db
def test_demo_data_needs_development_or_an_explicit_flag(few_demo_ads, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
    out = io.StringIO()
    call_command("seed_demo", allow_production=True, stdout=out)
    assert Listing.objects.count() == few_demo_ads
    assert "sign-in" not in out.getvalue()
    assert not any(user.has_usable_password() for user in User.objects.all())


@pytest.mark.django_db(transaction=True)
def test_bulk_load_is_searchable_and_indexed():
    call_command("seed_demo", listings=600)
    assert Listing.objects.count() == 600
    assert not Listing.objects.filter(search_vector=None).exists()
    assert SearchTerm.objects.exists()  # the title vocabulary for typo correction
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'listings_listing'")
        assert "listing_search" in {row[0] for row in cursor.fetchall()}
