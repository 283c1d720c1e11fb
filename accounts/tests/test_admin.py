import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


def test_admin_searches_users_by_email_phone_and_name(client, moderator):
    UserFactory(email="findme@example.kz", phone="+77771234567", name="Жанар")
    url = reverse("admin:accounts_user_changelist")
    for query in ["findme", "+7777123", "Жанар"]:
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        assert "findme@example.kz" in response.text


def test_admin_shows_lockout_state_and_unlocks(client, moderator):
    locked = UserFactory(email="locked@example.kz")
    UserFactory(email="fine@example.kz")
    stranger = Client()
    for _ in range(5):
        stranger.post("/accounts/login/", {"username": "locked@example.kz", "password": "x"})
    url = reverse("admin:accounts_user_changelist")
    response = client.get(url, {"locked": "yes"})
    assert "locked@example.kz" in response.text
    assert "fine@example.kz" not in response.text
    client.post(url, {"action": "unlock", "_selected_action": [locked.pk]})
    response = client.get(url, {"locked": "yes"})
    assert "locked@example.kz" not in response.text


def test_admin_user_list_query_count_is_constant(client, moderator, django_assert_max_num_queries):
    UserFactory.create_batch(30)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_axes_attempts_are_visible_to_moderators(client, moderator):
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    assert client.get(reverse("admin:axes_accessfailurelog_changelist")).status_code == 200
