"""Sessions name their signed-in user (accounts.sessions): a request reads both in one
statement, and that user still goes through every check Django makes of a session's user."""

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import Session, User
from accounts.sessions import SessionStore
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
EDIT = reverse("accounts:profile_edit")


def signed_in(user) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_login_names_its_user_and_a_logout_ends_the_session():
    user = UserFactory()
    client = signed_in(user)
    assert Session.objects.get().user_id == user.pk
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not Session.objects.exists()
    assert client.get(EDIT).status_code == 302  # to the login page


def test_the_session_and_its_user_are_one_statement(django_assert_num_queries):
    client = signed_in(UserFactory(name="Айгерим"))
    client.get(EDIT)
    with django_assert_num_queries(2) as queries:  # the session with its user; the badges
        response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 200 and response.wsgi_request.user.name == "Айгерим"
    first = queries.captured_queries[0]["sql"]
    assert "accounts_session" in first and "accounts_user" in first


def test_the_user_read_with_the_session_is_the_user_the_database_has():
    """Every field of the user read with the session (one plain statement) is what the ORM
    reads, and the session's own too."""
    user = UserFactory(name="Айгерим", phone="+77011234567", show_phone=True, language="kk")
    client = signed_in(user)
    request = client.get(EDIT).wsgi_request
    fields = [field.attname for field in User._meta.concrete_fields]
    read = request.user._wrapped
    stored = User.objects.get(pk=user.pk)
    assert {name: getattr(read, name) for name in fields} == {
        name: getattr(stored, name) for name in fields
    }
    session = Session.objects.get()
    store = SessionStore(session_key=session.session_key)
    assert store.load() == session.get_decoded() and store.signed_in_user == user


def test_an_expired_session_is_no_session():
    from datetime import timedelta

    from django.utils import timezone

    client = signed_in(UserFactory())
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(EDIT)
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_a_session_without_a_user_keeps_its_data():
    store = SessionStore()
    store["basket"] = "kept"
    store.save()
    again = SessionStore(session_key=store.session_key)
    assert again["basket"] == "kept" and again.signed_in_user is None


def test_a_deactivated_user_read_with_the_session_is_signed_out():
    user = UserFactory()
    client = signed_in(user)
    User.objects.filter(pk=user.pk).update(is_active=False)  # no save(): only the row
    response = client.get(EDIT)
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


def test_a_password_changed_elsewhere_ends_the_session():
    user = UserFactory()
    client = signed_in(user)
    other = User.objects.get(pk=user.pk)
    other.set_password("another-long-password-2026")
    User.objects.filter(pk=user.pk).update(password=other.password)
    assert client.get(EDIT).status_code == 302
    assert not Session.objects.filter(user=user).exists()  # flushed


def test_each_request_gets_its_own_sessions_user():
    aigerim, bolat = UserFactory(name="Айгерим"), UserFactory(name="Болат")
    first, second = signed_in(aigerim), signed_in(bolat)
    for _ in range(2):
        assert first.get(EDIT).wsgi_request.user.name == "Айгерим"
        assert second.get(EDIT).wsgi_request.user.name == "Болат"
    assert Client().get(EDIT).status_code == 302


@pytest.mark.parametrize("cookie", ["abcdefgh\x00ijkl", "x" * 5000, "ABCDEFGH12345678", "ab'--"])
def test_a_session_cookie_that_no_session_could_have_is_no_session(cookie):
    UserFactory()
    client = Client()
    client.cookies["sessionid"] = cookie
    assert client.get(EDIT).status_code == 302  # to the login page, not an error
    assert client.get(reverse("home")).status_code == 200


def test_a_session_saved_by_the_async_path_names_its_user_too():
    user = UserFactory()
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    async_to_sync(store.asave)()
    assert Session.objects.get(session_key=store.session_key).user_id == user.pk
    other = SessionStore()
    other.save()
    assert Session.objects.get(session_key=other.session_key).user_id is None
