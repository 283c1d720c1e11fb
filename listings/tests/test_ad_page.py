"""The ad page's markup as a shopper's browser gets it: the actions, the gallery, an ad that has
ended; and the home page's one search box. The layout itself is tested in a real browser
(tests/test_browser_ad_page.py)."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from listings import services
from listings.models import Category, City
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def with_photos(count: int):
    return services.listing_create(
        seller=UserFactory(),
        title="Горный велосипед Stels Navigator",
        description="Колёса 26 дюймов, 21 скорость, дисковые тормоза.",
        price=65_000,
        negotiable=False,
        condition="used",
        city=City.objects.get(slug="almaty"),
        category=Category.objects.get(slug="bicycles"),
        photos=[
            services.photo_process(upload(jpeg_with_gps(800 + n, 600, 1), f"p{n}.jpg"))
            for n in range(count)
        ],
    )


def test_active_ad_offers_its_actions_and_loads_the_gallery_script(client):
    listing = ListingFactory(price=50_000)
    page = client.get(listing.get_absolute_url()).text
    assert 'id="contact-actions"' in page
    assert reverse("chat:start", args=[listing.pk]) in page
    assert reverse("deals:start", args=[listing.pk]) in page
    assert 'id="ad-ended"' not in page
    assert re.search(r'<script src="[^"]*js/gallery\.js"[^>]* defer>', page)


def test_gallery_main_photo_loads_first_and_thumbnails_are_named_buttons(client):
    listing = with_photos(3)
    page = client.get(listing.get_absolute_url()).text
    slides = re.findall(r'<img src="[^"]+"[^>]*alt="[^"]+ — [^"]+"[^>]*>', page)
    assert len(slides) == 3
    assert 'loading="eager" fetchpriority="high"' in slides[0]
    assert all('loading="lazy"' in slide and "fetchpriority" not in slide for slide in slides[1:])
    thumbs = re.findall(r'<button type="button" class="gallery__thumb"[^>]*>', page)
    assert len(thumbs) == 3
    labels = [re.search(r'aria-label="([^"]+)"', thumb).group(1) for thumb in thumbs]
    assert all(re.search(rf"\b{n}\b.*\b3\b", label) for n, label in enumerate(labels, 1))
    assert 'aria-current="true"' in thumbs[0] and "aria-current" not in thumbs[1]
    assert 'href="#photo-' not in page  # no anchor jumps
    assert page.count("data-gallery-counter>1 / 3<") == 1


@pytest.mark.parametrize("status", ["sold", "expired"])
def test_an_ended_ad_says_so_and_offers_no_contact(client, status):
    listing = ListingFactory(status=status, price=50_000)
    client.force_login(UserFactory())
    response = client.get(listing.get_absolute_url())
    assert response.status_code == 200
    page = response.text
    assert f'id="ad-ended" data-status="{status}"' in page
    assert 'id="contact-actions"' not in page
    assert reverse("chat:start", args=[listing.pk]) not in page
    assert reverse("deals:start", args=[listing.pk]) not in page
    assert "phone-reveal" not in page


def test_an_expired_ad_is_shown_but_not_counted_as_a_view(client):
    listing = ListingFactory(status="expired")
    assert client.get(listing.get_absolute_url()).status_code == 200
    listing.refresh_from_db()
    assert listing.view_count == 0


def test_an_expired_ad_of_a_banned_seller_is_not_shown(client):
    listing = ListingFactory(status="expired", seller=UserFactory(is_active=False))
    assert client.get(listing.get_absolute_url()).status_code == 404


def test_home_has_one_search_box_and_no_gallery_script(client):
    ListingFactory.create_batch(3)
    page = client.get("/").text
    assert page.count('type="search"') == 1
    assert "gallery.js" not in page
