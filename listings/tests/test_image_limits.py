"""Bounded image decoding (issue 9, section 3): a small file describing a huge picture is
refused from its header, large photos are decoded at reduced scale, and decodes per process are
bounded so one uploader cannot hold every worker."""

import io
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from listings import services
from listings.models import Listing
from listings.tests.factories import ListingFactory
from listings.tests.test_views import ad_form
from zattar import images
from zattar.images import ImageLimits, open_upload

LIMITS = ImageLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def solid_png() -> bytes:
    """The issue's file: a solid 6300x6300 PNG of about 50 KB (1.5 s of CPU to decode)."""
    return encoded(Image.new("L", (6300, 6300), 200), "PNG", optimize=True)


@pytest.fixture(scope="module")
def fractal_png() -> bytes:
    """A 12 MP PNG that compresses like a real picture (about 14 pixels per byte)."""
    fractal = Image.effect_mandelbrot((4000, 3000), (-2.0, -1.5, 1.5, 1.5), 100)
    return encoded(fractal.convert("RGB"), "PNG", exif=orientation(6))


def orientation(value: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


def cpu_seconds(action) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def test_the_solid_6300_square_png_is_refused_from_its_header(solid_png):
    assert len(solid_png) < 100_000

    def process():
        with pytest.raises(ValidationError) as refused:
            services.photo_process(upload(solid_png, "solid.png", "image/png"))
        assert refused.value.code == "too_many_pixels"
        assert "25" in refused.value.messages[0]

    assert cpu_seconds(process) < 0.1


@pytest.mark.django_db
def test_ten_of_them_in_one_ad_form_are_refused_in_milliseconds(client, solid_png):
    client.force_login(UserFactory())
    photos = [upload(solid_png, f"solid{n}.png", "image/png") for n in range(10)]
    start = time.process_time()
    response = client.post(reverse("listings:create"), {**ad_form(), "photos": photos})
    assert time.process_time() - start < 0.5
    assert response.status_code == 200
    assert len(response.context["form"].errors["photos"]) == 10
    assert not Listing.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_it_with_a_field_error(solid_png):
    from zattar.testing import api_for

    listing = ListingFactory()
    response = api_for(listing.seller).post(
        f"/api/v1/listings/{listing.pk}/images",
        {"image": upload(solid_png, "solid.png", "image/png")},
        format="multipart",
    )
    assert response.status_code == 400 and "image" in response.json()


def test_the_pixel_cap_is_a_setting(settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    with pytest.raises(ValidationError) as refused:
        open_upload(upload(jpeg_with_gps(1200, 900, 1)), LIMITS)
    assert refused.value.code == "too_many_pixels"
    assert open_upload(upload(jpeg_with_gps(1000, 1000, 1)), LIMITS).size == (1000, 1000)


def test_a_picture_implausibly_small_for_its_pixels_is_refused():
    flat = encoded(Image.new("RGB", (4000, 3000), (250, 250, 250)), "PNG")  # 12 MP, ~40 KB
    with pytest.raises(ValidationError) as refused:
        open_upload(upload(flat, "flat.png", "image/png"), LIMITS)
    assert refused.value.code == "implausible_image"


def test_a_real_picture_of_the_same_size_passes(fractal_png):
    assert open_upload(upload(fractal_png, "fractal.png", "image/png"), LIMITS)


def test_small_flat_pictures_are_not_judged_by_their_bytes():
    logo = encoded(Image.new("L", (1200, 1200), 255), "PNG", optimize=True)
    assert len(logo) * 250 < 1200 * 1200
    assert open_upload(upload(logo, "logo.png", "image/png"), LIMITS).size == (1200, 1200)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    photo = upload(jpeg_with_gps(6000, 4000, 1))
    image = open_upload(photo, LIMITS)
    assert image.size == (3000, 2000)  # 1/2 scale, still above the 1600 px we keep
    processed = services.photo_process(upload(jpeg_with_gps(6000, 4000, 1)))
    assert (processed.width, processed.height) == (1600, 1067)


def test_a_large_png_is_reduced_after_decoding_and_stays_upright(fractal_png):
    image = open_upload(upload(fractal_png, "fractal.png", "image/png"), LIMITS)
    assert image.size == (2000, 1500)
    processed = services.photo_process(upload(fractal_png, "fractal.png", "image/png"))
    assert (processed.width, processed.height) == (1200, 1600)  # EXIF said: turn it


def test_decoding_waits_for_a_slot_then_reports_the_server_busy(settings):
    settings.IMAGE_DECODE_CONCURRENCY = 1
    settings.IMAGE_DECODE_WAIT_SECONDS = 0.05
    with images.decode_slot(), pytest.raises(images.DecoderBusy) as busy:
        open_upload(upload(jpeg_with_gps(320, 240, 1)), LIMITS)
    assert busy.value.code == "server_busy"
    assert open_upload(upload(jpeg_with_gps(320, 240, 1)), LIMITS)  # the slot is free again


def test_a_refused_or_damaged_picture_gives_its_slot_back(settings):
    settings.IMAGE_DECODE_CONCURRENCY = 1
    settings.IMAGE_DECODE_WAIT_SECONDS = 0.05
    damaged = jpeg_with_gps(640, 480, 1)[:2000]
    for _ in range(3):
        with pytest.raises(ValidationError):
            open_upload(upload(damaged), LIMITS)
    assert open_upload(upload(jpeg_with_gps(320, 240, 1)), LIMITS)


def test_no_more_decodes_run_at_once_than_the_setting(settings, monkeypatch):
    settings.IMAGE_DECODE_CONCURRENCY = 2
    settings.IMAGE_DECODE_WAIT_SECONDS = 10
    running, most, lock = 0, 0, threading.Lock()
    real_decode = images._decode

    def slow_decode(image, working_side):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return real_decode(image, working_side)

    monkeypatch.setattr(images, "_decode", slow_decode)
    photo = jpeg_with_gps(320, 240, 1)
    errors = []

    def decode():
        try:
            open_upload(upload(photo), LIMITS)
        except ValidationError as error:
            errors.append(error)

    threads = [threading.Thread(target=decode) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and most == 2


@pytest.mark.django_db
def test_a_busy_server_is_a_message_on_the_ad_form(client, settings):
    settings.IMAGE_DECODE_CONCURRENCY = 1
    settings.IMAGE_DECODE_WAIT_SECONDS = 0.05
    client.force_login(UserFactory())
    photos = [upload(jpeg_with_gps(640, 480, 1), "p.jpg")]
    with images.decode_slot():
        response = client.post(reverse("listings:create"), {**ad_form(), "photos": photos})
    assert response.status_code == 200
    assert "p.jpg" in response.context["form"].errors["photos"][0]
    assert "занят" in response.context["form"].errors["photos"][0]
    assert not Listing.objects.exists()


@pytest.mark.django_db
def test_a_busy_server_is_503_with_retry_after_on_the_api(settings):
    from zattar.testing import api_for

    settings.IMAGE_DECODE_CONCURRENCY = 1
    settings.IMAGE_DECODE_WAIT_SECONDS = 0.05
    listing = ListingFactory()
    with images.decode_slot():
        response = api_for(listing.seller).post(
            f"/api/v1/listings/{listing.pk}/images",
            {"image": upload(jpeg_with_gps(320, 240, 1))},
            format="multipart",
        )
    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"detail", "code", "retry_after"} and body["code"] == "server_busy"
    assert response["Retry-After"] == str(body["retry_after"])
    assert not listing.images.exists()


@pytest.mark.django_db
def test_a_busy_server_while_saving_an_avatar_is_a_form_error(client, monkeypatch):
    from accounts import services as account_services

    def busy(upload, limits):
        raise images.DecoderBusy()

    user = UserFactory()
    client.force_login(user)
    monkeypatch.setattr(account_services, "open_upload", busy)  # the service's second decode
    response = client.post(
        reverse("accounts:profile_edit"),
        {"name": user.name, "avatar": upload(jpeg_with_gps(320, 240, 1))},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["avatar"]
    user.refresh_from_db()
    assert not user.avatar
