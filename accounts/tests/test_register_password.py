"""Registration sent back for an error that is not about the password keeps the password
fields filled (in the answer to that POST only, which no cache keeps); a refused password,
or two that differ, come back empty."""

import re

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.test_views import register

pytestmark = pytest.mark.django_db


def password_values(html: str) -> dict[str, str | None]:
    values = {}
    for tag in re.findall(r'<input[^>]*type="password"[^>]*>', html):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        values[name] = value.group(1) if value else None
    return values


def test_a_taken_email_keeps_the_chosen_password(client):
    UserFactory(email="aigerim@example.kz")
    response = register(client, email="aigerim@example.kz")
    assert list(response.context["form"].errors) == ["email"]
    assert password_values(response.text) == {"password1": PASSWORD, "password2": PASSWORD}
    assert "no-store" in response["Cache-Control"]


def test_a_mistyped_phone_keeps_the_chosen_password(client):
    response = register(client, phone="123")
    assert list(response.context["form"].errors) == ["phone"]
    assert password_values(response.text) == {"password1": PASSWORD, "password2": PASSWORD}


@pytest.mark.parametrize(
    "overrides",
    [
        {"password2": "something-else-2026"},
        {"password1": "12345678", "password2": "12345678"},
        {"password1": "12345678", "password2": "12345678", "phone": "123"},
    ],
)
def test_a_refused_password_is_not_sent_back(client, overrides):
    response = register(client, **overrides)
    assert {"password1", "password2"} & response.context["form"].errors.keys()
    assert password_values(response.text) == {"password1": None, "password2": None}


def test_the_empty_form_has_no_password(client):
    response = client.get("/accounts/register/")
    assert password_values(response.text) == {"password1": None, "password2": None}
