import pytest
import time_machine
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.images import jpeg_with_gps, png_bytes, upload
from listings.models import City

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/users/register"
LOGIN = "/api/v1/users/login"
REFRESH = "/api/v1/users/token/refresh"
ME = "/api/v1/users/me"


@pytest.fixture
def api():
    return APIClient()


def tokens_for(api, login="user@example.kz", password=PASSWORD):
    response = api.post(LOGIN, {"login": login, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_register_returns_the_user_without_the_password(api):
    response = api.post(
        REGISTER,
        {
            "email": "Nurlan@Example.kz",
            "phone": "+7 707 111 22 33",
            "password": PASSWORD,
            "name": "Нұрлан",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "nurlan@example.kz"
    assert body["phone"] == "+77071112233"
    assert "password" not in body
    assert PASSWORD not in response.text
    assert User.objects.get().password.startswith("bcrypt_sha256$")


def test_register_duplicates_and_bad_values_give_per_field_errors(api):
    UserFactory(email="taken@example.kz", phone="+77071112233")
    response = api.post(
        REGISTER,
        {"email": "TAKEN@example.kz", "phone": "87071112233", "password": PASSWORD, "name": "X"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "phone"}
    response = api.post(
        REGISTER, {"email": "x", "phone": "12", "password": "123", "name": ""}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "phone", "name"}
    response = api.post(
        REGISTER,
        {"email": "new@example.kz", "phone": "87071112299", "password": "password", "name": "X"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["password"]


@pytest.mark.parametrize("login", ["user@example.kz", "8 (701) 000-00-07", "+7 701 0000007"])
def test_login_by_email_or_phone_gives_tokens_that_open_me(api, login):
    UserFactory(email="user@example.kz", phone="+77010000007")
    tokens = tokens_for(api, login)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = api.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == "user@example.kz"


def test_wrong_credentials_are_401_with_a_json_body(api):
    UserFactory(email="user@example.kz")
    response = api.post(LOGIN, {"login": "user@example.kz", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "login_failed"
    response = api.post(LOGIN, {"login": "nobody@example.kz", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert api.post(LOGIN, {"login": ""}, format="json").status_code == 400


def test_api_lockout_is_429_with_retry_time_and_shared_with_html(api, client):
    UserFactory(email="user@example.kz", phone="+77010000007")
    for _ in range(3):
        api.post(LOGIN, {"login": "user@example.kz", "password": "nope"}, format="json")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "87010000007", "password": "nope"})
    response = api.post(LOGIN, {"login": "user@example.kz", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert body["retry_after"] == 900
    assert "access" not in body


def test_refresh_rotates_and_a_used_refresh_token_is_rejected(api):
    UserFactory(email="user@example.kz")
    first = tokens_for(api)
    response = api.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access", "refresh"}
    assert second["refresh"] != first["refresh"]
    assert api.post(REFRESH, {"refresh": first["refresh"]}, format="json").status_code == 401
    assert api.post(REFRESH, {"refresh": second["refresh"]}, format="json").status_code == 200
    assert api.post(REFRESH, {"refresh": "garbage"}, format="json").status_code == 401


def test_access_tokens_expire_after_fifteen_minutes(api):
    UserFactory(email="user@example.kz")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        tokens = tokens_for(api)
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        clock.shift(14 * 60)
        assert api.get(ME).status_code == 200
        clock.shift(2 * 60)
        assert api.get(ME).status_code == 401


def test_me_is_401_for_anonymous(api):
    response = api.get(ME)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_patch_me_changes_name_and_city_and_clears_city(api):
    user = UserFactory()
    api.force_authenticate(user)
    astana = City.objects.get(slug="astana")
    response = api.patch(ME, {"name": "Данияр", "city": astana.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["city"]["slug"] == "astana"
    assert api.patch(ME, {"city": None}, format="json").json()["city"] is None
    user.refresh_from_db()
    assert (user.name, user.city) == ("Данияр", None)


def test_an_empty_city_clears_it_as_the_schema_says(api, client):
    """A form has no null: `city=` clears the city (form, multipart and JSON alike), and the
    schema allows the empty string the server takes."""
    user = UserFactory(city=City.objects.get(slug="astana"))
    api.force_authenticate(user)
    for body, format in (({"city": ""}, "multipart"), ({"city": ""}, "json")):
        user.city = City.objects.get(slug="astana")
        user.save(update_fields=["city"])
        response = api.patch(ME, body, format=format)
        assert response.status_code == 200 and response.json()["city"] is None, format
    assert api.patch(ME, {"city": "almaty"}, format="json").status_code == 400
    schema = client.get("/api/v1/schema/?format=json").json()
    city = schema["components"]["schemas"]["PatchedProfileUpdateRequest"]["properties"]["city"]
    assert {"type": "string", "enum": [""]} in city["anyOf"] and city["nullable"]


def test_patch_me_rejects_bad_values(api):
    api.force_authenticate(UserFactory())
    response = api.patch(ME, {"city": 999999, "name": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"city", "name"}


def test_patch_me_avatar_multipart(api):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.patch(ME, {"avatar": upload(jpeg_with_gps(900, 600, 1))}, format="multipart")
    assert response.status_code == 200
    assert response.json()["avatar"].endswith(".jpg")
    user.refresh_from_db()
    with user.avatar.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (512, 341)
        assert not image.getexif()


def test_patch_me_png_with_transparency_becomes_a_jpeg(api):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.patch(
        ME, {"avatar": upload(png_bytes(), "a.png", "image/png")}, format="multipart"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.avatar.name.endswith(".jpg")


@pytest.mark.parametrize(
    "content",
    [b"GIF89a not really", b"%PDF-1.4 a document", jpeg_with_gps()[:300]],
    ids=["fake-gif", "pdf", "truncated-jpeg"],
)
def test_patch_me_refuses_files_that_are_not_whole_images(api, content):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.patch(ME, {"avatar": upload(content, "x.jpg")}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["avatar"]
    user.refresh_from_db()
    assert not user.avatar


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    for path in [REGISTER, LOGIN, REFRESH, ME]:
        assert path.encode() in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
