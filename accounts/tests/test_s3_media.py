"""Avatars on a real S3 API (moto's server, over HTTP on loopback): stored without metadata,
replaced ones removed, and a storage that is down changes nothing and says so."""

import io
import urllib.request

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from accounts.errors import AvatarStorageUnavailable
from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from zattar.testing import api_for, free_port

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile_edit")


def storage_down(response) -> str:
    """What the user is told, in the language the response was made in."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return str(AvatarStorageUnavailable().detail)


def test_an_avatar_lands_in_the_bucket_without_exif_and_replacing_it_removes_the_old(
    client, s3_bucket, django_capture_on_commit_callbacks
):
    s3_bucket.make_public()
    user = UserFactory()
    client.force_login(user)
    photo = upload(jpeg_with_gps(1200, 800, orientation=6))
    assert client.post(PROFILE, {"name": user.name, "avatar": photo}).status_code == 302
    user.refresh_from_db()
    first = user.avatar.name
    assert s3_bucket.keys() == {first}
    stored = s3_bucket.read(first)
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (341, 512) and not image.getexif()
    page = client.get(PROFILE).text
    assert f'src="{s3_bucket.endpoint}/{s3_bucket.name}/{first}"' in page
    with urllib.request.urlopen(user.avatar.url, timeout=5) as response:
        assert response.read() == stored
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE, {"name": user.name, "avatar": upload(jpeg_with_gps(600, 600, 1))})
    user.refresh_from_db()
    assert user.avatar.name != first and s3_bucket.keys() == {user.avatar.name}


def test_with_the_storage_down_the_avatar_is_kept_and_the_user_told(client, s3_bucket):
    user = UserFactory(name="Айгерим")
    client.force_login(user)
    s3_bucket.use(endpoint=f"http://127.0.0.1:{free_port()}")
    response = client.post(PROFILE, {"name": "Тимур", "avatar": upload(jpeg_with_gps(600, 600, 1))})
    assert response.status_code == 200
    assert storage_down(response) in response.context["form"].errors["avatar"]
    user.refresh_from_db()
    assert (user.name, user.avatar.name) == ("Айгерим", "")  # the name waited too
    api = api_for(user)
    answer = api.patch(
        "/api/v1/users/me", {"avatar": upload(jpeg_with_gps(600, 600, 1))}, format="multipart"
    )
    assert answer.status_code == 503 and answer.json()["code"] == "storage_unavailable"
    assert answer["Retry-After"] == "60"
    user.refresh_from_db()
    assert not user.avatar and s3_bucket.keys() == set()
