"""Ad photos on a real S3 API (moto's server, over HTTP on loopback): what the HTML form and the
API store, the URLs the pages give, what deleting removes, and what a storage that is down or
hangs does to an upload (nothing saved, a clear error, never a 500)."""

import html
import io
import itertools
import re
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import translation
from PIL import Image

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from listings import services
from listings.errors import PhotoStorageUnavailable
from listings.models import Category, City, Listing, ListingImage
from zattar.testing import S3Bucket, api_for, free_port, s3_server

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def storage_down(response) -> str:
    """What the user is told, in the language the response was made in."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return str(PhotoStorageUnavailable().detail)


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


NUMBERS = itertools.count(1)


def new_listing(seller, photos: int = 1) -> Listing:
    n = next(NUMBERS)  # each ad its own: the same ad twice is refused as a duplicate
    return services.listing_create(
        seller=seller,
        title=f"Стол письменный {n}",
        description=f"Крепкий стол номер {n}, без царапин, {100 + n} на 60 см.",
        price=20_000,
        negotiable=False,
        condition="used",
        city=City.objects.get(slug="astana"),
        category=Category.objects.get(slug="furniture"),
        photos=[services.photo_process(upload(jpeg_with_gps(640, 480, 1))) for _ in range(photos)],
    )


def stored_keys(listing: Listing) -> set[str]:
    return {
        name for image in listing.images.all() for name in (image.large.name, image.thumbnail.name)
    }


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return response.read()


def image_sources(page: str) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'<img[^>]* src="([^"]+)"', page)]


def dead_endpoint() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens: connection refused


@pytest.fixture
def seller(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_photos_posted_on_the_form_land_in_the_bucket_without_exif(client, seller, s3_bucket):
    photos = [upload(jpeg_with_gps(1200, 800, orientation=6), f"p{n}.jpg") for n in range(2)]
    response = client.post(reverse("listings:create"), {**ad_form(), "photos": photos})
    listing = Listing.objects.get()
    assert response.status_code == 302 and listing.image_count == 2
    assert s3_bucket.keys() == stored_keys(listing)
    for image in listing.images.all():
        assert image.large.name.startswith(f"listings/{listing.pk}/")
        large = s3_bucket.read(image.large.name)
        assert b"Exif" not in large and b"PhoneMaker" not in large
        with Image.open(io.BytesIO(large)) as picture:
            assert picture.size == (800, 1200)  # turned upright, then the orientation dropped
            assert not picture.getexif() and "exif" not in picture.info
        with Image.open(io.BytesIO(s3_bucket.read(image.thumbnail.name))) as thumbnail:
            assert thumbnail.size == services.THUMBNAIL_SIZE and not thumbnail.getexif()


def test_a_photo_posted_to_the_api_lands_in_the_bucket_and_its_urls_fetch_it(s3_bucket):
    s3_bucket.make_public()
    listing = new_listing(UserFactory(), photos=0)
    response = api_for(listing.seller).post(
        f"/api/v1/listings/{listing.pk}/images",
        {"image": upload(jpeg_with_gps(900, 600, orientation=1))},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    image = ListingImage.objects.get(listing=listing)
    assert s3_bucket.keys() == {image.large.name, image.thumbnail.name}
    body = response.json()
    assert fetch(body["url"]) == s3_bucket.read(image.large.name)
    assert fetch(body["thumbnail_url"]) == s3_bucket.read(image.thumbnail.name)


def test_pages_show_public_bucket_urls_that_fetch_the_objects(client, s3_bucket):
    listing = new_listing(UserFactory())
    image = listing.images.get()
    sources = image_sources(client.get(listing.get_absolute_url()).text)
    bucket_url = f"{s3_bucket.endpoint}/{s3_bucket.name}/"
    large = next(src for src in sources if src.endswith(image.large.name))
    assert large == bucket_url + image.large.name  # no signature, no expiry
    with pytest.raises(urllib.error.HTTPError) as refused:  # the bucket is not public yet
        fetch(large)
    assert refused.value.code == 403
    s3_bucket.make_public()
    assert fetch(large) == s3_bucket.read(image.large.name)
    card = client.get(reverse("listings:search")).text
    assert bucket_url + image.thumbnail.name in image_sources(card)


def test_with_querystring_auth_pages_show_signed_urls_that_fetch_the_objects(client, s3_bucket):
    s3_bucket.use(querystring_auth=True, querystring_expire=600)
    listing = new_listing(UserFactory())
    image = listing.images.get()
    sources = image_sources(client.get(listing.get_absolute_url()).text)
    large = next(src for src in sources if image.large.name in src)
    parts = urlsplit(large)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"{s3_bucket.endpoint}/{s3_bucket.name}/{image.large.name}"
    )
    assert query["X-Amz-Expires"] == ["600"] and query["X-Amz-Signature"]
    assert fetch(large) == s3_bucket.read(image.large.name)  # from a private bucket
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(large.split("?")[0])
    assert refused.value.code == 403
    api_image = api_for(UserFactory()).get(f"/api/v1/listings/{listing.pk}").json()["images"][0]
    assert "X-Amz-Signature=" in api_image["thumbnail_url"]
    assert fetch(api_image["thumbnail_url"]) == s3_bucket.read(image.thumbnail.name)


def test_deleting_a_photo_removes_its_objects(
    client, seller, s3_bucket, django_capture_on_commit_callbacks
):
    listing = new_listing(seller, photos=2)
    first, second = listing.images.order_by("position")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("listings:photo_change", args=[listing.pk, first.pk]), {"action": "delete"}
        )
    assert s3_bucket.keys() == {second.large.name, second.thumbnail.name}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(seller).delete(f"/api/v1/listings/{listing.pk}/images/{second.pk}")
    assert response.status_code == 204 and s3_bucket.keys() == set()


def test_deleting_an_ad_removes_its_photos_objects(
    client, seller, s3_bucket, django_capture_on_commit_callbacks
):
    kept = new_listing(UserFactory())
    by_form, by_api = new_listing(seller, photos=2), new_listing(seller, photos=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("listings:delete", args=[by_form.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        assert api_for(seller).delete(f"/api/v1/listings/{by_api.pk}").status_code == 204
    assert s3_bucket.keys() == stored_keys(kept)


def test_with_the_storage_refusing_the_form_keeps_nothing_and_says_why(client, seller, s3_bucket):
    s3_bucket.use(endpoint=dead_endpoint())
    started = time.monotonic()
    response = client.post(
        reverse("listings:create"),
        {**ad_form(), "photos": [upload(jpeg_with_gps(640, 480, 1))]},
    )
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    assert storage_down(response) in response.context["form"].errors["photos"]
    assert storage_down(response) in response.text
    assert not Listing.objects.exists() and not ListingImage.objects.exists()
    assert s3_bucket.keys() == set()


def test_with_the_storage_refusing_an_edit_changes_nothing(client, seller, s3_bucket):
    listing = new_listing(seller)
    before = stored_keys(listing)
    s3_bucket.use(endpoint=dead_endpoint())
    response = client.post(
        reverse("listings:edit", args=[listing.pk]),
        {**ad_form(price="99000"), "photos": [upload(jpeg_with_gps(640, 480, 1))]},
    )
    assert response.status_code == 200 and storage_down(response) in response.text
    listing.refresh_from_db()
    assert (listing.price, listing.image_count, listing.images.count()) == (20_000, 1, 1)
    added = client.post(
        reverse("listings:photo_add", args=[listing.pk]),
        {"photos": [upload(jpeg_with_gps(320, 240, 1)), upload(jpeg_with_gps(320, 240, 1))]},
        **HTMX,
    )
    assert added.status_code == 200 and storage_down(added) in added.text
    listing.refresh_from_db()
    assert (listing.image_count, listing.images.count()) == (1, 1)
    assert s3_bucket.keys() == before


def test_with_the_storage_stopped_the_api_answers_503_and_keeps_nothing(settings):
    with s3_server() as endpoint:  # a server of its own, to stop
        bucket = S3Bucket(endpoint, settings)
        listing = new_listing(UserFactory())
        assert len(bucket.keys()) == 2
    api = api_for(listing.seller)
    response = api.post(
        f"/api/v1/listings/{listing.pk}/images",
        {"image": upload(jpeg_with_gps(640, 480, 1))},
        format="multipart",
    )
    assert response.status_code == 503
    assert response.json() == {
        "detail": response.json()["detail"],
        "code": "storage_unavailable",
        "retry_after": 60,
    }
    assert response.json()["detail"] == storage_down(response) and response["Retry-After"] == "60"
    listing.refresh_from_db()
    assert (listing.image_count, listing.images.count()) == (1, 1)


def test_a_storage_that_hangs_fails_the_upload_within_its_timeouts(s3_bucket):
    listing = new_listing(UserFactory(), photos=0)
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        host, port = silent.getsockname()
        s3_bucket.use(
            endpoint=f"http://{host}:{port}", connect_timeout=1, read_timeout=1, max_attempts=2
        )
        started = time.monotonic()
        response = api_for(listing.seller).post(
            f"/api/v1/listings/{listing.pk}/images",
            {"image": upload(jpeg_with_gps(640, 480, 1))},
            format="multipart",
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.json()["code"] == "storage_unavailable"
    assert 1 <= elapsed < 8
    assert not ListingImage.objects.exists()


def test_deleting_a_photo_while_the_storage_is_down_still_deletes_it(
    s3_bucket, django_capture_on_commit_callbacks
):
    listing = new_listing(UserFactory())
    image = listing.images.get()
    s3_bucket.use(endpoint=dead_endpoint())
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(listing.seller).delete(
            f"/api/v1/listings/{listing.pk}/images/{image.pk}"
        )
    assert response.status_code == 204 and not ListingImage.objects.exists()
    assert s3_bucket.keys() == {image.large.name, image.thumbnail.name}  # left behind, logged


def test_files_uploaded_for_a_row_that_fails_to_insert_are_removed(s3_bucket):
    listing = new_listing(UserFactory(), photos=0)
    photo = services.photo_process(upload(jpeg_with_gps(640, 480, 1)))
    broken = services.ProcessedPhoto(photo.large, photo.thumbnail, width=-1, height=480)
    with pytest.raises(IntegrityError):  # the CHECK on width, after both files were written
        services.listing_image_add(listing_id=listing.pk, seller=listing.seller, photo=broken)
    assert s3_bucket.keys() == set()
