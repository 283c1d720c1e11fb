"""Tokens die with the password: a change by any path (API, site, reset link, admin) or a
deactivation revokes every JWT issued before it, the access token and the whole refresh chain."""

import re

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from zattar.websocket import user_for_token

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/users/login"
REFRESH = "/api/v1/users/token/refresh"
ME = "/api/v1/users/me"
PASSWORD_CHANGE = "/api/v1/users/me/password"
NEW_PASSWORD = "Taraz-River-77"


def login(user, password=PASSWORD) -> dict:
    response = APIClient().post(LOGIN, {"login": user.email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def me_status(access: str) -> int:
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {access}").status_code


def refresh_status(refresh: str) -> int:
    return APIClient().post(REFRESH, {"refresh": refresh}, format="json").status_code


def change_over_api(access: str, old=PASSWORD, new=NEW_PASSWORD):
    return APIClient().post(
        PASSWORD_CHANGE,
        {"old_password": old, "new_password": new},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )


def assert_revoked(tokens: dict) -> None:
    assert me_status(tokens["access"]) == 401
    assert refresh_status(tokens["refresh"]) == 401


def test_the_api_password_change_answers_a_fresh_pair_and_revokes_the_old_one():
    user = UserFactory()
    old = login(user)
    response = change_over_api(old["access"])
    assert response.status_code == 200
    fresh = response.json()
    assert set(fresh) == {"access", "refresh"}
    assert_revoked(old)
    assert me_status(fresh["access"]) == 200
    assert refresh_status(fresh["refresh"]) == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    login(user, NEW_PASSWORD)


def test_a_password_change_revokes_every_link_of_the_refresh_chain_and_other_logins():
    user = UserFactory()
    phone = login(user)
    laptop = login(user)
    rotated = APIClient().post(REFRESH, {"refresh": laptop["refresh"]}, format="json").json()
    assert me_status(rotated["access"]) == 200
    change_over_api(phone["access"])
    for tokens in (phone, laptop, rotated):
        assert_revoked(tokens)


def test_the_api_password_change_answers_400_per_field_and_changes_nothing():
    user = UserFactory()
    tokens = login(user)
    response = change_over_api(tokens["access"], old="not-my-password", new="12345678")
    assert response.status_code == 400
    assert set(response.json()) == {"old_password", "new_password"}
    response = change_over_api(tokens["access"], new=user.email)
    assert response.status_code == 400 and set(response.json()) == {"new_password"}
    response = APIClient().post(
        PASSWORD_CHANGE, {}, format="json", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"old_password", "new_password"}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert me_status(tokens["access"]) == 200 and refresh_status(tokens["refresh"]) == 200


def test_the_api_password_change_needs_a_signed_in_user():
    response = APIClient().post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 401


def test_a_password_change_over_an_api_session_keeps_that_session():
    user = UserFactory()
    api = APIClient(enforce_csrf_checks=False)
    api.force_login(user)
    response = api.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert api.get(ME).status_code == 200


def test_a_password_change_on_the_site_revokes_the_tokens(client):
    user = UserFactory()
    tokens = login(user)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert_revoked(tokens)


def test_a_password_reset_by_email_link_revokes_the_tokens(client, run_jobs):
    user = UserFactory(email="user@example.kz")
    tokens = login(user)
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    run_jobs()
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert_revoked(tokens)


def test_a_password_set_in_the_admin_revokes_the_tokens(client):
    user = UserFactory()
    tokens = login(user)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert_revoked(tokens)


def test_deactivating_a_user_revokes_the_tokens():
    user = UserFactory()
    tokens = login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_revoked(tokens)


def test_a_user_deactivated_in_the_admin_stays_signed_out_when_reactivated(client):
    user = UserFactory()
    tokens = login(user)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "email": user.email,
        "phone": user.phone,
        "name": user.name,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    assert client.post(change, form).status_code == 302  # is_active unticked
    user.refresh_from_db()
    assert not user.is_active
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert refresh_status(tokens["refresh"]) == 401


def test_the_refresh_token_of_a_deleted_user_is_401_not_500():
    user = UserFactory()
    tokens = login(user)
    user.delete()
    assert refresh_status(tokens["refresh"]) == 401
    assert me_status(tokens["access"]) == 401


def test_tokens_issued_without_the_password_claim_are_refused():
    """Tokens from before revocation existed carry no password hash: they cannot be checked."""
    from rest_framework_simplejwt.tokens import RefreshToken

    user = UserFactory()
    refresh = RefreshToken.for_user(user)
    del refresh["hash_password"]
    assert refresh_status(str(refresh)) == 401
    assert me_status(str(refresh.access_token)) == 401


@pytest.mark.django_db(transaction=True)
async def test_a_revoked_access_token_opens_no_socket():
    user = await database_sync_to_async(UserFactory)()
    tokens = await database_sync_to_async(login)(user)
    assert await user_for_token(tokens["access"]) == user
    await database_sync_to_async(change_over_api)(tokens["access"])
    assert isinstance(await user_for_token(tokens["access"]), AnonymousUser)
