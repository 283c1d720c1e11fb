"""Photos upload as soon as they are picked in the ad form (listings:photo_upload), and the form
carries their ids: an error elsewhere in the form never loses them; nobody attaches another
user's upload; more photos than fit keep the first ones and say how many were left out."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, png_bytes, upload
from listings import services
from listings.errors import PendingPhotoGone
from listings.models import Category, City, Listing, PendingPhoto
from listings.tests.factories import ListingFactory
from listings.tests.test_views import HTMX, ad_form

pytestmark = pytest.mark.django_db

UPLOAD = reverse("listings:photo_upload")
CREATE = reverse("listings:create")


@pytest.fixture
def seller(client):
    user = UserFactory()
    client.force_login(user)
    return user


def send_photo(client, content: bytes | None = None, name: str = "photo.jpg"):
    return client.post(UPLOAD, {"photo": upload(content or jpeg_with_gps(640, 480, 1), name)})


def test_a_picked_photo_is_re_encoded_and_kept_for_its_owner(client, seller, settings):
    response = send_photo(client, jpeg_with_gps(640, 480, 6))
    assert response.status_code == 201
    body = response.json()
    photo = PendingPhoto.objects.get(pk=body["id"])
    assert photo.owner == seller and body["thumbnail"] == photo.thumbnail.url
    assert (photo.width, photo.height) == (480, 640)  # turned upright by its EXIF orientation
    stored = Path(settings.MEDIA_ROOT, photo.large.name).read_bytes()
    assert stored.startswith(b"\xff\xd8") and b"GPS" not in stored  # re-encoded, EXIF gone


def test_upload_needs_a_signed_in_user_with_a_verified_phone(client):
    anonymous = send_photo(client)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    client.force_login(UserFactory(unverified=True))
    assert send_photo(client).status_code == 403
    assert client.get(UPLOAD).status_code == 405
    assert not PendingPhoto.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"this is not a picture", "fake.jpg"),
        (b"\x00" * 2048, "nul.jpg"),
        (b"\xff\xd8\xff\xe0\x00\x00" + b"\x00" * 100, "broken.jpg"),
        (b"\xff\xd8" + b"0" * (10 * 1024 * 1024), "huge.jpg"),
    ],
)
def test_a_bad_file_is_a_400_with_the_reason(client, seller, content, name):
    response = send_photo(client, content, name)
    assert response.status_code == 400
    assert response.json()["errors"]["photo"][0].startswith(f"{name}: ")
    assert not PendingPhoto.objects.exists()


def test_no_file_or_two_files_is_a_400(client, seller):
    assert client.post(UPLOAD, {}).status_code == 400
    two = [upload(jpeg_with_gps(64, 48, 1)), upload(png_bytes(), "b.png", "image/png")]
    assert client.post(UPLOAD, {"photo": two}).status_code == 400
    assert not PendingPhoto.objects.exists()


def test_a_user_keeps_at_most_thirty_waiting_photos(client, seller):
    for _ in range(services.MAX_PENDING_PHOTOS):
        services.pending_photo_create(
            owner=seller, photo=services.photo_process(upload(png_bytes(), "a.png"))
        )
    response = send_photo(client)
    assert response.status_code == 400 and response.json()["errors"]["photo"]
    assert PendingPhoto.objects.count() == services.MAX_PENDING_PHOTOS


def test_the_ad_takes_the_uploaded_photos_in_the_order_the_form_gives(client, seller):
    ids = [send_photo(client, jpeg_with_gps(64 * (n + 1), 48, 1)).json()["id"] for n in range(3)]
    order = [ids[2], ids[0], ids[1]]
    response = client.post(CREATE, {**ad_form(), "pending_photos": order})
    listing = Listing.objects.get()
    assert response.status_code == 302 and response.url == listing.get_absolute_url()
    assert listing.image_count == 3
    assert [image.width for image in listing.images.all()] == [192, 64, 128]
    assert not PendingPhoto.objects.exists()  # taken by the ad


def test_an_error_elsewhere_in_the_form_keeps_the_uploaded_photos(client, seller):
    ids = [send_photo(client).json()["id"] for _ in range(2)]
    response = client.post(CREATE, {**ad_form(title="abc"), "pending_photos": ids})
    assert response.status_code == 200 and not Listing.objects.exists()
    assert set(response.context["form"].errors) == {"title"}
    for pk in ids:  # the form comes back carrying them, with their thumbnails
        assert f'name="pending_photos" value="{pk}"' in response.text
        assert PendingPhoto.objects.get(pk=pk).thumbnail.url in response.text
    fixed = client.post(CREATE, {**ad_form(), "pending_photos": ids})
    assert fixed.status_code == 302 and Listing.objects.get().image_count == 2


def test_without_javascript_the_sent_files_survive_an_error_elsewhere(client, seller):
    files = [upload(jpeg_with_gps(64, 48, 1), f"p{n}.jpg") for n in range(2)]
    response = client.post(CREATE, {**ad_form(description="short"), "photos": files})
    assert set(response.context["form"].errors) == {"description"}
    kept = list(PendingPhoto.objects.filter(owner=seller).values_list("pk", flat=True))
    assert len(kept) == 2
    for pk in kept:
        assert f'name="pending_photos" value="{pk}"' in response.text
    fixed = client.post(CREATE, {**ad_form(), "pending_photos": kept})
    assert fixed.status_code == 302 and Listing.objects.get().image_count == 2


def test_nobody_attaches_another_users_upload(client, seller):
    stranger = UserFactory()
    theirs = services.pending_photo_create(
        owner=stranger, photo=services.photo_process(upload(png_bytes(), "a.png"))
    )
    mine = send_photo(client).json()["id"]
    response = client.post(CREATE, {**ad_form(), "pending_photos": [mine, theirs.pk]})
    assert response.status_code == 200 and not Listing.objects.exists()
    assert list(response.context["form"].errors) == ["photos"]
    assert f'value="{theirs.pk}"' not in response.text and theirs.thumbnail.url not in response.text
    assert f'value="{mine}"' in response.text  # his own stays on the form
    # Nor delete it, nor take it through the service directly.
    delete = reverse("listings:photo_upload_delete", args=[theirs.pk])
    assert client.post(delete).status_code == 404
    with pytest.raises(PendingPhotoGone):
        services.listing_create(
            seller=seller,
            pending_photo_ids=[theirs.pk],
            title="Диван угловой",
            description="Раскладывается в полноценную кровать, без дефектов.",
            price=1,
            negotiable=False,
            condition="used",
            city=City.objects.get(slug="almaty"),
            category=Category.objects.get(slug="furniture"),
        )
    assert PendingPhoto.objects.filter(pk=theirs.pk, owner=stranger).exists()


@pytest.mark.parametrize("garbage", ["1\x00", "abc", "-1", "9" * 30, "１"])
def test_garbage_photo_ids_are_a_message_not_an_error(client, seller, garbage):
    response = client.post(CREATE, {**ad_form(), "pending_photos": [garbage]})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["photos"]
    assert not Listing.objects.exists()


def test_the_owner_removes_an_upload_from_the_form(client, seller):
    pk = send_photo(client).json()["id"]
    response = client.post(reverse("listings:photo_upload_delete", args=[pk]))
    assert response.status_code == 204 and not PendingPhoto.objects.exists()


def test_more_photos_than_fit_keep_the_first_ten_and_say_so(client, seller):
    ids = [send_photo(client, png_bytes(), f"{n}.png").json()["id"] for n in range(4)]
    files = [upload(jpeg_with_gps(64, 48, 1), f"p{n}.jpg") for n in range(9)]
    response = client.post(CREATE, {**ad_form(), "pending_photos": ids, "photos": files})
    assert response.status_code == 200 and not Listing.objects.exists()
    form = response.context["form"]
    assert form.photos_left_out == 3
    assert [e.code for e in form.errors.as_data()["photos"]] == ["too_many"]
    kept = response.context["pending"]
    assert [p.pk for p in kept[:4]] == ids and len(kept) == 10  # the first ten, in order
    resent = client.post(CREATE, {**ad_form(), "pending_photos": [p.pk for p in kept]})
    assert resent.status_code == 302 and Listing.objects.get().image_count == 10


def test_adding_photos_beyond_the_limit_on_edit_adds_what_fits(client, seller):
    listing = ListingFactory(seller=seller)
    for _ in range(8):
        services.listing_image_add(
            listing_id=listing.pk,
            seller=seller,
            photo=services.photo_process(upload(jpeg_with_gps(64, 48, 1))),
        )
    files = [upload(jpeg_with_gps(64, 48, 1), f"p{n}.jpg") for n in range(5)]
    url = reverse("listings:photo_add", args=[listing.pk])
    response = client.post(url, {"photos": files}, **HTMX)
    assert response.status_code == 200
    listing.refresh_from_db()
    assert listing.image_count == 10 and listing.images.count() == 10
    assert 'role="alert"' in response.text  # the fragment says how many were left out
    assert response.context["photo_error"].startswith("3 ")
    plain = client.post(url, {"photos": [upload(jpeg_with_gps(64, 48, 1))]})
    assert plain.status_code == 302
    listing.refresh_from_db()
    assert listing.image_count == 10


def test_uploads_no_ad_took_expire_after_a_day_with_their_files(
    client, seller, settings, django_capture_on_commit_callbacks
):
    old, new = (send_photo(client).json()["id"] for _ in range(2))
    path = Path(settings.MEDIA_ROOT, PendingPhoto.objects.get(pk=old).large.name)
    PendingPhoto.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(hours=25))
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pending_photos_expire() == 1
    assert list(PendingPhoto.objects.values_list("pk", flat=True)) == [new]
    assert not path.exists()
