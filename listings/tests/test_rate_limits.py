"""Rate limits on posting ads and uploading photos (issue 9, section 3), on the site and the API."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from listings.models import Listing
from listings.tests.factories import ListingFactory
from listings.tests.test_api import NEW_AD
from listings.tests.test_views import ad_form
from zattar.testing import api_for, rate_limits

pytestmark = pytest.mark.django_db

LISTINGS = "/api/v1/listings"
HTMX = {"HTTP_HX_REQUEST": "true"}


MODELS = ["Galaxy", "iPhone", "Redmi", "Pixel", "Nokia", "Honor", "Realme", "Vivo", "Oppo", "Sony"]


def distinct_ad(n: int) -> dict:
    """NEW_AD made the seller's n-th different ad: the same one twice is refused as a duplicate."""
    model = f"{MODELS[n % 10]} {n}"
    return {
        **NEW_AD,
        "title": f"{model} 128GB",
        "description": f"Телефон {model}: {'коробка, ' * (n % 7)}чек, зарядка, чехол номер {n}.",
    }


def api_as(user, address: str = "203.0.113.10"):
    return api_for(user, address=address)


def test_fifty_api_ad_creations_stop_at_twenty_an_hour():
    api = api_as(UserFactory())
    responses = [api.post(LISTINGS, distinct_ad(n), format="json") for n in range(50)]
    assert [r.status_code for r in responses] == [201] * 20 + [429] * 30
    body = responses[-1].json()
    assert set(body) == {"detail", "code", "retry_after"} and body["code"] == "throttled"
    assert responses[-1]["Retry-After"] == str(body["retry_after"])
    assert Listing.objects.count() == 20


def test_ad_creation_is_limited_per_address_across_accounts(settings):
    rate_limits(settings, ad_create={"user": "20/h", "ip": "3/h"})
    first, second = UserFactory(), UserFactory()
    posts = [(first, 1), (first, 2), (second, 3), (second, 4)]
    codes = [
        api_as(user).post(LISTINGS, distinct_ad(n), format="json").status_code for user, n in posts
    ]
    assert codes == [201, 201, 201, 429]
    elsewhere = api_as(second, address="198.51.100.7").post(LISTINGS, NEW_AD, format="json")
    assert elsewhere.status_code == 201


def test_the_site_and_the_api_share_the_ad_limit(client, settings):
    rate_limits(settings, ad_create={"user": "2/h"})
    seller = UserFactory()
    api_as(seller).post(LISTINGS, NEW_AD, format="json")
    client.force_login(seller)
    assert client.post(reverse("listings:create"), ad_form()).status_code == 302
    photos = [upload(jpeg_with_gps(800, 600, 1), "p.jpg")]
    response = client.post(reverse("listings:create"), {**ad_form(), "photos": photos})
    assert response.status_code == 429
    assert "errors/429.html" in [t.name for t in response.templates]
    assert "Слишком много запросов" in response.text
    assert Listing.objects.count() == 2
    assert client.get(reverse("listings:create")).status_code == 200


def test_api_photo_uploads_are_limited_per_user(settings):
    rate_limits(settings, photo_upload={"user": "2/h"})
    listing = ListingFactory()
    api = api_as(listing.seller)
    url = f"{LISTINGS}/{listing.pk}/images"
    codes = [
        api.post(url, {"image": upload(jpeg_with_gps(320, 240, 1))}, format="multipart")
        for _ in range(3)
    ]
    assert [r.status_code for r in codes] == [201, 201, 429]
    assert codes[2].json()["code"] == "throttled"
    assert listing.images.count() == 2


def test_photo_uploads_on_the_edit_page_share_the_limit(client, settings):
    rate_limits(settings, photo_upload={"user": "2/h"})
    listing = ListingFactory()
    client.force_login(listing.seller)
    add = reverse("listings:photo_add", args=[listing.pk])
    assert client.post(add, {"photos": [upload(jpeg_with_gps(320, 240, 1))]}).status_code == 302
    edit = reverse("listings:edit", args=[listing.pk])
    with_photo = {**ad_form(), "photos": [upload(jpeg_with_gps(320, 240, 1))]}
    assert client.post(edit, with_photo).status_code == 302
    refused = client.post(add, {"photos": [upload(jpeg_with_gps(320, 240, 1))]})
    assert refused.status_code == 429 and "Слишком много запросов" in refused.text
    assert client.post(edit, with_photo).status_code == 429
    assert client.post(edit, ad_form(price="1000")).status_code == 302  # no photos: no count
    assert listing.images.count() == 2


def test_htmx_photo_upload_over_the_limit_shows_the_message_in_the_photos_block(client, settings):
    rate_limits(settings, photo_upload={"user": "1/h"})
    listing = ListingFactory()
    client.force_login(listing.seller)
    add = reverse("listings:photo_add", args=[listing.pk])
    client.post(add, {"photos": [upload(jpeg_with_gps(320, 240, 1))]}, **HTMX)
    response = client.post(add, {"photos": [upload(jpeg_with_gps(320, 240, 1))]}, **HTMX)
    assert response.status_code == 200  # htmx swaps only a success
    assert "Слишком много запросов" in response.text and "<html" not in response.text
    assert listing.images.count() == 1
