import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from listings.models import City

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def register(client, **overrides):
    data = {
        "email": "Aigerim@Example.kz",
        "phone": "8 (701) 555-12-34",
        "name": "Айгерим",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(reverse("accounts:register"), data)


def test_register_creates_a_bcrypt_account_and_logs_in(client):
    response = register(client)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "aigerim@example.kz"
    assert user.phone == "+77015551234"
    assert user.password.startswith("bcrypt_sha256$")
    assert client.get(reverse("accounts:profile_edit")).status_code == 200


def test_register_refuses_taken_email_in_other_case_and_taken_phone_in_other_form(client):
    UserFactory(email="aigerim@example.kz", phone="+77015551234")
    response = register(client, email="AIGERIM@example.KZ", phone="+7 701 5551234")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert "phone" in response.context["form"].errors
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("phone", {"phone": "+7 916 123 45 67"}),
        ("email", {"email": "not-an-email"}),
        ("password2", {"password2": "something-else-2026"}),
        ("password1", {"password1": "12345678", "password2": "12345678"}),
    ],
)
def test_register_shows_a_message_for_bad_input(client, field, overrides):
    response = register(client, **overrides)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not User.objects.exists()


def test_register_form_errors_are_translated_to_russian(client):
    client.cookies.load({"django_language": "ru"})
    response = register(client, phone="123")
    assert "Введите" in response.context["form"].errors["phone"][0]


@pytest.mark.parametrize(
    "login", ["user@example.kz", "USER@example.kz", "8 701 000 00 01", "+77010000001"]
)
def test_login_with_email_or_phone_in_any_form(client, login):
    UserFactory(email="user@example.kz", phone="+77010000001")
    response = client.post(LOGIN, {"username": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_wrong_password_shows_a_message(client):
    UserFactory(email="user@example.kz")
    response = client.post(LOGIN, {"username": "user@example.kz", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_login_redirects_back_to_the_page_that_asked(client):
    UserFactory(email="user@example.kz")
    edit = reverse("accounts:profile_edit")
    response = client.get(edit)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={edit}"
    response = client.post(
        LOGIN, {"username": "user@example.kz", "password": PASSWORD, "next": edit}
    )
    assert response.url == edit


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    UserFactory(email="user@example.kz", phone="+77010000001")
    # Failures typed as email and as phone count against the same account.
    for login in ["user@example.kz", "8 701 000 00 01"] * 2 + ["user@example.kz"]:
        client.post(LOGIN, {"username": login, "password": "wrong"})
    response = client.post(LOGIN, {"username": "user@example.kz", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "15" in response.context["locked_out"]
    assert not response.wsgi_request.user.is_authenticated


def test_lockout_ends_after_fifteen_minutes(client):
    UserFactory(email="user@example.kz")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            client.post(LOGIN, {"username": "user@example.kz", "password": "wrong"})
        clock.shift(14 * 60)
        locked = client.post(LOGIN, {"username": "user@example.kz", "password": PASSWORD})
        assert locked.status_code == 429
        clock.shift(2 * 60)
        response = client.post(LOGIN, {"username": "user@example.kz", "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_of_one_account_leaves_others_alone(client):
    UserFactory(email="victim@example.kz")
    UserFactory(email="other@example.kz")
    for _ in range(5):
        client.post(LOGIN, {"username": "victim@example.kz", "password": "wrong"})
    response = client.post(LOGIN, {"username": "other@example.kz", "password": PASSWORD})
    assert response.status_code == 302


def test_logout_is_a_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:profile_edit")).status_code == 302


def test_profile_edit_saves_name_and_city(client):
    user = UserFactory()
    client.force_login(user)
    almaty = City.objects.get(slug="almaty")
    response = client.post(reverse("accounts:profile_edit"), {"name": "Тимур", "city": almaty.pk})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.city) == ("Тимур", almaty)


def test_avatar_upload_is_resized_turned_upright_and_stripped(client):
    user = UserFactory()
    client.force_login(user)
    photo = upload(jpeg_with_gps(1200, 800, orientation=6))
    response = client.post(reverse("accounts:profile_edit"), {"name": user.name, "avatar": photo})
    assert response.status_code == 302
    user.refresh_from_db()
    with user.avatar.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (341, 512)  # rotated upright, longest side 512
        assert not image.getexif()
        assert "exif" not in image.info


def test_a_renamed_text_file_is_refused_as_avatar(client):
    user = UserFactory()
    client.force_login(user)
    fake = upload(b"this is not a picture at all", name="cat.jpg")
    response = client.post(reverse("accounts:profile_edit"), {"name": user.name, "avatar": fake})
    assert response.status_code == 200
    assert response.context["form"].errors["avatar"]
    user.refresh_from_db()
    assert not user.avatar


def test_public_profile_shows_the_person_and_missing_ones_are_404(client):
    user = UserFactory(name="Ольга")
    response = client.get(reverse("accounts:profile", args=[user.pk]))
    assert response.status_code == 200
    assert "Ольга" in response.text
    assert user.phone not in response.text
    assert client.get(reverse("accounts:profile", args=[user.pk + 999])).status_code == 404


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Taraz-River-77",
            "new_password2": "Taraz-River-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Taraz-River-77")


def test_password_reset_by_email_link(client, run_jobs):
    user = UserFactory(email="user@example.kz")
    response = client.post(reverse("accounts:password_reset"), {"email": "USER@example.kz"})
    assert response.status_code == 302
    assert not mail.outbox  # a job sends it: the request never waits for SMTP
    assert run_jobs() == ["zattar.send_email"]
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Aktau-Sea-2026", "new_password2": "Aktau-Sea-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Aktau-Sea-2026")


def test_pages_use_the_chosen_language(client):
    # The URL names the language: the switcher goes to the same page under /kk/.
    response = client.post(reverse("set_language"), {"language": "kk", "next": LOGIN}, follow=True)
    assert response.redirect_chain == [(f"/kk{LOGIN}", 302)]
    assert response.context["LANGUAGE_CODE"] == "kk"
    assert 'lang="kk"' in response.text
