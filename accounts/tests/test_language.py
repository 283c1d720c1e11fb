"""Each account keeps the language its person uses the site in: Zattar writes to them in it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


def signed_in(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_new_account_takes_the_language_the_site_is_shown_in():
    response = APIClient().post(
        "/api/v1/users/register",
        {
            "email": "aru@example.kz",
            "phone": "+7 707 111 22 33",
            "password": PASSWORD,
            "name": "Ару",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="kk",
    )
    assert response.status_code == 201 and response.json()["language"] == "kk"
    assert User.objects.get().language == "kk"


def test_the_api_shows_and_changes_the_language_and_refuses_an_unknown_one():
    user = UserFactory()
    api = signed_in(user)
    assert api.get(ME).json()["language"] == "ru"
    changed = api.patch(ME, {"language": "en"}, format="json")
    assert changed.status_code == 200 and changed.json()["language"] == "en"
    refused = api.patch(ME, {"language": "de"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()
    user.refresh_from_db()
    assert user.language == "en"


def test_the_site_switcher_keeps_the_choice_on_the_account(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "kk"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})  # not a language
    user.refresh_from_db()
    assert user.language == "kk"
    client.logout()
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
