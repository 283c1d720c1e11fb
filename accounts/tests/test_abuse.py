"""Abuse limits on accounts (issue 9, section 3): registrations, logins, token refreshes and
password resets per address, and a login lock that a stranger cannot turn against the owner."""

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/users/register"
LOGIN = "/api/v1/users/login"
REFRESH = "/api/v1/users/token/refresh"
HTML_LOGIN = reverse("accounts:login")
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def new_user(n: int) -> dict:
    return {
        "email": f"bot{n}@example.kz",
        "phone": f"+7707{n:07d}",
        "password": PASSWORD,
        "name": "Бот",
    }


def assert_throttled(response) -> dict:
    """The API's 429: exactly detail, code and retry_after, and a matching Retry-After."""
    assert response.status_code == 429, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "retry_after"}
    assert body["code"] == "throttled"
    assert body["retry_after"] > 0 and response["Retry-After"] == str(body["retry_after"])
    return body


def test_twenty_api_registrations_from_one_address_stop_at_ten():
    api = APIClient(REMOTE_ADDR=ATTACKER)
    responses = [api.post(REGISTER, new_user(n), format="json") for n in range(20)]
    assert [r.status_code for r in responses] == [201] * 10 + [429] * 10
    body = assert_throttled(responses[-1])
    assert body["retry_after"] <= 60 * 60
    assert User.objects.count() == 10


def test_registrations_from_another_address_go_through_meanwhile(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    APIClient(REMOTE_ADDR=ATTACKER).post(REGISTER, new_user(1), format="json")
    assert_throttled(APIClient(REMOTE_ADDR=ATTACKER).post(REGISTER, new_user(2), format="json"))
    response = APIClient(REMOTE_ADDR=OWNER).post(REGISTER, new_user(3), format="json")
    assert response.status_code == 201


def test_registrations_are_allowed_again_in_the_next_window(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    api = APIClient(REMOTE_ADDR=ATTACKER)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert api.post(REGISTER, new_user(1), format="json").status_code == 201
        wait = assert_throttled(api.post(REGISTER, new_user(2), format="json"))["retry_after"]
        clock.shift(wait)
        assert api.post(REGISTER, new_user(2), format="json").status_code == 201


def test_html_registration_over_the_limit_is_a_translated_429_page(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    url = reverse("accounts:register")
    data = {
        "email": "aigerim@example.kz",
        "phone": "87015551234",
        "name": "Айгерим",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    client.post(url, {**data, "email": "not-an-email"})  # a failed attempt counts too
    response = client.post(url, data)
    assert response.status_code == 429
    assert "errors/429.html" in [t.name for t in response.templates]
    with translation.override("ru"):
        assert translation.gettext("Too many requests") in response.text
    assert "Слишком много запросов" in response.text
    assert int(response["Retry-After"]) > 0
    assert not User.objects.exists()
    assert client.get(url).status_code == 200  # looking at the form costs nothing


def test_addresses_in_one_ipv6_64_share_a_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    APIClient(REMOTE_ADDR="2001:db8:1:2::1").post(REGISTER, new_user(1), format="json")
    same_network = APIClient(REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert_throttled(same_network.post(REGISTER, new_user(2), format="json"))
    other_network = APIClient(REMOTE_ADDR="2001:db8:1:3::1")
    assert other_network.post(REGISTER, new_user(3), format="json").status_code == 201


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")
    first = proxy.post(REGISTER, new_user(1), format="json", HTTP_X_FORWARDED_FOR=ATTACKER)
    assert first.status_code == 201
    # What the client put before the proxy's entry is not believed.
    spoofed = proxy.post(
        REGISTER, new_user(2), format="json", HTTP_X_FORWARDED_FOR=f"192.0.2.1, {ATTACKER}"
    )
    assert_throttled(spoofed)
    other = proxy.post(REGISTER, new_user(3), format="json", HTTP_X_FORWARDED_FOR=OWNER)
    assert other.status_code == 201


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    api = APIClient(REMOTE_ADDR=ATTACKER)
    api.post(REGISTER, new_user(1), format="json", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert_throttled(
        api.post(REGISTER, new_user(2), format="json", HTTP_X_FORWARDED_FOR="192.0.2.2")
    )


def test_logins_sprayed_over_sixty_accounts_are_cut_off_after_thirty_failures():
    users = UserFactory.create_batch(61)
    api = APIClient(REMOTE_ADDR=ATTACKER)
    codes = [
        api.post(LOGIN, {"login": user.email, "password": "guess-2026"}, format="json")
        for user in users[:60]
    ]
    assert [r.status_code for r in codes] == [401] * 30 + [429] * 30
    assert_throttled(codes[-1])
    # Refused before any password is checked: even the right one.
    right = api.post(LOGIN, {"login": users[60].email, "password": PASSWORD}, format="json")
    assert_throttled(right)
    # Nobody else is affected.
    owner = APIClient(REMOTE_ADDR=OWNER)
    assert owner.post(LOGIN, {"login": users[0].email, "password": PASSWORD}).status_code == 200


def test_the_html_form_and_the_api_share_the_per_address_login_count(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": {"ip": "3/15m"}}
    api, browser = APIClient(REMOTE_ADDR=ATTACKER), Client(REMOTE_ADDR=ATTACKER)
    for n in range(2):
        api.post(LOGIN, {"login": f"nobody{n}@example.kz", "password": "x"}, format="json")
    browser.post(HTML_LOGIN, {"username": "someone@example.kz", "password": "x"})
    user = UserFactory()
    response = browser.post(HTML_LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Слишком много запросов" in response.context["locked_out"]
    assert int(response["Retry-After"]) > 0
    assert not response.wsgi_request.user.is_authenticated


def test_a_stranger_locking_the_moderator_does_not_lock_the_moderator_out():
    moderator = UserFactory(email="admin@example.kz", is_staff=True, is_superuser=True)
    stranger = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        stranger.post(HTML_LOGIN, {"username": "admin@example.kz", "password": "guess"})
    locked = stranger.post(HTML_LOGIN, {"username": "admin@example.kz", "password": PASSWORD})
    assert locked.status_code == 429  # from the stranger's address the account stays locked
    owner = Client(REMOTE_ADDR=OWNER)
    page = owner.post(HTML_LOGIN, {"username": "admin@example.kz", "password": PASSWORD})
    assert page.status_code == 302 and page.wsgi_request.user == moderator
    admin = Client(REMOTE_ADDR=OWNER).post(
        reverse("admin:login"), {"username": "admin@example.kz", "password": PASSWORD}
    )
    assert admin.status_code == 302
    api = APIClient(REMOTE_ADDR=OWNER)
    assert api.post(LOGIN, {"login": "admin@example.kz", "password": PASSWORD}).status_code == 200


def test_a_lock_from_one_address_is_429_locked_out_on_the_api_there():
    UserFactory(email="user@example.kz")
    api = APIClient(REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        api.post(LOGIN, {"login": "user@example.kz", "password": "guess"}, format="json")
    response = api.post(LOGIN, {"login": "user@example.kz", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_failures_from_other_addresses_do_not_add_up_to_a_lock():
    UserFactory(email="user@example.kz")
    for address in ("203.0.113.1", "203.0.113.2"):
        for _ in range(4):
            Client(REMOTE_ADDR=address).post(
                HTML_LOGIN, {"username": "user@example.kz", "password": "guess"}
            )
    response = Client(REMOTE_ADDR="203.0.113.1").post(
        HTML_LOGIN, {"username": "user@example.kz", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_lock_follows_the_forwarded_client_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="user@example.kz")
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        proxy.post(
            HTML_LOGIN,
            {"username": "user@example.kz", "password": "guess"},
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )
    locked = proxy.post(
        HTML_LOGIN,
        {"username": "user@example.kz", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR=ATTACKER,
    )
    assert locked.status_code == 429
    owner = proxy.post(
        HTML_LOGIN,
        {"username": "user@example.kz", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR=OWNER,
    )
    assert owner.status_code == 302


@pytest.fixture
def moderator_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_shows_an_account_locked_from_one_address_whatever_the_browser(moderator_client):
    locked = UserFactory(email="locked@example.kz")
    UserFactory(email="spread@example.kz")
    for agent, tries in (("bot/1", 3), ("bot/2", 2)):  # one address, two browsers: locked
        for _ in range(tries):
            Client(REMOTE_ADDR=ATTACKER, HTTP_USER_AGENT=agent).post(
                HTML_LOGIN, {"username": "locked@example.kz", "password": "x"}
            )
    for address in ("203.0.113.1", "203.0.113.2"):  # two addresses, four each: not locked
        for _ in range(4):
            Client(REMOTE_ADDR=address).post(
                HTML_LOGIN, {"username": "spread@example.kz", "password": "x"}
            )
    url = reverse("admin:accounts_user_changelist")
    response = moderator_client.get(url, {"locked": "yes"})
    assert "locked@example.kz" in response.text
    assert "spread@example.kz" not in response.text
    moderator_client.post(url, {"action": "unlock", "_selected_action": [locked.pk]})
    assert "locked@example.kz" not in moderator_client.get(url, {"locked": "yes"}).text
    response = Client(REMOTE_ADDR=ATTACKER).post(
        HTML_LOGIN, {"username": "locked@example.kz", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_token_refreshes_are_limited_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "token_refresh": {"ip": "3/h"}}
    api = APIClient(REMOTE_ADDR=ATTACKER)
    codes = [api.post(REFRESH, {"refresh": "garbage"}, format="json") for _ in range(4)]
    assert [r.status_code for r in codes[:3]] == [401] * 3
    assert_throttled(codes[3])
    UserFactory(email="user@example.kz")
    owner = APIClient(REMOTE_ADDR=OWNER)
    tokens = owner.post(LOGIN, {"login": "user@example.kz", "password": PASSWORD}).json()
    assert owner.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 200


def test_password_reset_requests_are_limited_per_address(run_jobs):
    UserFactory(email="user@example.kz")
    browser = Client(REMOTE_ADDR=ATTACKER)
    url = reverse("accounts:password_reset")
    codes = [browser.post(url, {"email": "user@example.kz"}).status_code for _ in range(11)]
    assert codes == [302] * 10 + [429]
    assert len(run_jobs()) == 10 and len(mail.outbox) == 10
    assert browser.get(url).status_code == 200
    other = Client(REMOTE_ADDR=OWNER).post(url, {"email": "user@example.kz"})
    run_jobs()
    assert other.status_code == 302 and len(mail.outbox) == 11


def test_guessing_the_old_password_with_a_stolen_token_stops_at_ten_an_hour():
    UserFactory(email="user@example.kz")
    api = APIClient(REMOTE_ADDR=ATTACKER)
    access = api.post(LOGIN, {"login": "user@example.kz", "password": PASSWORD}).json()["access"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    guess = {"new_password": "Fresh-Steppe-Wind-2026"}
    codes = [
        api.post("/api/v1/users/me/password", {**guess, "old_password": f"guess-{n}"}).status_code
        for n in range(10)
    ]
    assert codes == [400] * 10
    right = {**guess, "old_password": PASSWORD}
    assert_throttled(api.post("/api/v1/users/me/password", right, format="json"))
    assert User.objects.get(email="user@example.kz").check_password(PASSWORD)


def test_password_changes_on_the_site_are_limited_per_user(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:password_change")
    form = {"old_password": "wrong", "new_password1": "x", "new_password2": "x"}
    codes = [client.post(url, form).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]


def test_rotating_addresses_within_one_ipv6_64_still_locks_the_account():
    UserFactory(email="user@example.kz")
    codes = [
        APIClient(REMOTE_ADDR=f"2001:db8:1:2::{n:x}")
        .post(LOGIN, {"login": "user@example.kz", "password": "guess"}, format="json")
        .status_code
        for n in range(1, 8)
    ]
    assert codes == [401] * 4 + [429] * 3  # the fifth failure locks the account for that /64
    owner = APIClient(REMOTE_ADDR="2001:db8:9:9::1")
    assert owner.post(LOGIN, {"login": "user@example.kz", "password": PASSWORD}).status_code == 200


def test_requests_without_a_client_address_share_one_count_rather_than_none(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": {"ip": "1/h"}}
    first = APIClient(REMOTE_ADDR="").post(REGISTER, new_user(1), format="json")
    assert first.status_code == 201
    assert_throttled(APIClient(REMOTE_ADDR="").post(REGISTER, new_user(2), format="json"))
