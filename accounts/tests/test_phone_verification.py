"""Verified phones: a code by SMS (the file backend), confirming it, the limits, and who keeps a
number two accounts typed."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PhoneCode, User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
VERIFY = "/api/v1/users/me/phone/verify"
CONFIRM = "/api/v1/users/me/phone/confirm"


@pytest.fixture
def sms(settings, tmp_path):
    """The SMS the file backend wrote: a list of {"to", "text"}."""
    path = tmp_path / "sms.jsonl"
    settings.SMS_FILE_PATH = str(path)

    def sent() -> list[dict]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return sent


def code_in(message: dict) -> str:
    return re.fullmatch(r".*\b(\d{6})\b.*", message["text"], re.S).group(1)


def api_for(user, address="10.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.force_authenticate(user)
    return client


def send_code(api, sms, run_jobs, **body) -> str:
    response = api.post(VERIFY, body, format="json")
    assert response.status_code == 202, response.json()
    run_jobs()
    return code_in(sms()[-1])


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_by_sms_confirmed_verifies_the_phone(sms, run_jobs):
    user = UserFactory(unverified=True)
    api = api_for(user)
    assert api.get(ME).json()["phone_verified"] is False
    response = api.post(VERIFY, {}, format="json")
    assert response.status_code == 202
    assert response.json()["phone"] == user.phone
    assert sms() == []  # the SMS is a job, sent after commit by a worker
    assert run_jobs() == ["accounts.phone_code_sms"]
    [message] = sms()
    assert message["to"] == user.phone
    code = code_in(message)
    response = api.post(CONFIRM, {"code": code}, format="json")
    assert response.status_code == 200
    assert response.json()["phone_verified"] is True
    assert api_for(User.objects.get(pk=user.pk)).get(ME).json()["phone_verified"] is True
    # a used code does not work twice
    assert api.post(CONFIRM, {"code": code}, format="json").json()["code"] == "code_expired"


def test_neither_the_code_row_nor_the_job_holds_the_code(sms, run_jobs):
    user = UserFactory(unverified=True)
    api_for(user).post(VERIFY, {}, format="json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT args::text FROM procrastinate_jobs ORDER BY id DESC LIMIT 1")
        (job_args,) = cursor.fetchone()
    run_jobs()
    code = code_in(sms()[-1])
    row = PhoneCode.objects.get(user=user)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert code not in job_args


def test_five_wrong_tries_void_the_code(sms, run_jobs):
    user = UserFactory(unverified=True)
    api = api_for(user)
    code = send_code(api, sms, run_jobs)
    for left in [4, 3, 2, 1]:
        response = api.post(CONFIRM, {"code": wrong(code)}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "wrong_code"
        assert response.json()["attempts_left"] == left
    assert api.post(CONFIRM, {"code": wrong(code)}, format="json").json()["code"] == (
        "code_expired"
    )
    response = api.post(CONFIRM, {"code": code}, format="json")  # the right one, too late
    assert (response.status_code, response.json()["code"]) == (400, "code_expired")
    user.refresh_from_db()
    assert not user.phone_verified


def test_a_code_lives_five_minutes(sms, run_jobs):
    user = UserFactory(unverified=True)
    api = api_for(user)
    code = send_code(api, sms, run_jobs)
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        response = api.post(CONFIRM, {"code": code}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "code_expired")


def test_a_new_code_voids_the_earlier_one(sms, run_jobs):
    api = api_for(UserFactory(unverified=True))
    first = send_code(api, sms, run_jobs)
    second = send_code(api, sms, run_jobs)
    if first != second:
        assert api.post(CONFIRM, {"code": first}, format="json").status_code == 400
    assert api.post(CONFIRM, {"code": second}, format="json").status_code == 200


def test_a_malformed_code_is_a_400_that_costs_no_try(sms, run_jobs):
    user = UserFactory(unverified=True)
    api = api_for(user)
    send_code(api, sms, run_jobs)
    response = api.post(CONFIRM, {"code": "12ab"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    assert PhoneCode.objects.get(user=user).attempts == 0


def test_confirming_without_a_code_sent(sms):
    response = api_for(UserFactory(unverified=True)).post(
        CONFIRM, {"code": "123456"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "code_expired")


def test_a_fourth_code_for_one_number_in_an_hour_is_refused(sms, run_jobs):
    user = UserFactory(unverified=True)
    for _ in range(3):
        assert api_for(user).post(VERIFY, {}, format="json").status_code == 202
    response = api_for(user, address="10.0.0.2").post(VERIFY, {}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < response.json()["retry_after"] <= 3600
    assert int(response["Retry-After"]) == response.json()["retry_after"]
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert api_for(user).post(VERIFY, {}, format="json").status_code == 202


def test_an_eleventh_code_from_one_address_in_an_hour_is_refused(sms, run_jobs):
    users = UserFactory.create_batch(11, unverified=True)
    for user in users[:10]:
        assert api_for(user, "10.9.9.9").post(VERIFY, {}, format="json").status_code == 202
    response = api_for(users[10], "10.9.9.9").post(VERIFY, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert api_for(users[10], "10.9.9.10").post(VERIFY, {}, format="json").status_code == 202


def test_a_verified_number_gets_no_new_code(sms):
    response = api_for(UserFactory()).post(VERIFY, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "phone_already_verified")


def register(phone: str, email: str) -> int:
    response = APIClient().post(
        "/api/v1/users/register",
        {"email": email, "phone": phone, "password": PASSWORD, "name": "Асель"},
        format="json",
    )
    return response


def test_two_accounts_claim_one_number_the_first_to_verify_keeps_it(sms, run_jobs):
    assert register("+7 701 555 00 11", "first@example.kz").status_code == 201
    assert register("8 701 555 00 11", "second@example.kz").status_code == 201  # not verified
    first = User.objects.get(email="first@example.kz")
    second = User.objects.get(email="second@example.kz")
    first_code = send_code(api_for(first), sms, run_jobs)
    second_code = send_code(api_for(second, "10.0.0.2"), sms, run_jobs)
    assert api_for(second).post(CONFIRM, {"code": second_code}, format="json").status_code == 200
    response = api_for(first).post(CONFIRM, {"code": first_code}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "phone_taken")
    response = api_for(first).post(VERIFY, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "phone_taken")
    first.refresh_from_db()
    assert not first.phone_verified
    # a third account cannot register the verified number
    response = register("+77015550011", "third@example.kz")
    assert response.status_code == 400 and "phone" in response.json()
    assert User.objects.filter(email="third@example.kz").count() == 0
    # the number signs in its verified holder only
    login = APIClient().post(
        "/api/v1/users/login", {"login": "8 701 555 00 11", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    assert api.get(ME).json()["email"] == "second@example.kz"


def test_the_account_that_lost_its_number_is_asked_for_another(client, sms, run_jobs):
    loser = UserFactory(unverified=True, phone="+77015550022")
    UserFactory(phone="+77015550022")  # verified it
    client.force_login(loser)
    response = client.get("/accounts/phone/")
    assert response.status_code == 200 and response.context["phone_taken"] is True
    # a new number, confirmed, becomes the account's
    code = send_code(api_for(loser), sms, run_jobs, phone="+7 747 555 00 33")
    assert sms()[-1]["to"] == "+77475550033"
    response = api_for(loser).post(CONFIRM, {"code": code}, format="json")
    assert response.status_code == 200
    assert (response.json()["phone"], response.json()["phone_verified"]) == ("+77475550033", True)


def test_a_new_number_verified_by_another_account_is_refused(sms):
    UserFactory(phone="+77475550044")
    response = api_for(UserFactory(unverified=True)).post(
        VERIFY, {"phone": "+77475550044"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "phone_taken")


def test_landlines_are_refused(sms):
    response = register("+7 727 250 00 00", "landline@example.kz")
    assert response.status_code == 400 and "phone" in response.json()
    response = api_for(UserFactory(unverified=True)).post(
        VERIFY, {"phone": "8 727 250 00 00"}, format="json"
    )
    assert response.status_code == 400 and "phone" in response.json()
    assert not PhoneCode.objects.exists()


def test_an_old_landline_on_an_account_gets_no_sms(sms):
    user = UserFactory(unverified=True)
    User.objects.filter(pk=user.pk).update(phone="+77272500000")  # typed before the rule
    user.refresh_from_db()
    response = api_for(user).post(VERIFY, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "not_mobile")
    assert not PhoneCode.objects.exists()


def test_the_whole_flow_on_the_account_pages(client, sms, run_jobs):
    user = UserFactory(unverified=True)
    client.force_login(user)
    response = client.post("/accounts/phone/send/", {"phone": ""})
    assert response.status_code == 302 and response.url == "/accounts/phone/"
    run_jobs()
    code = code_in(sms()[-1])
    page = client.get("/accounts/phone/")
    assert page.context["pending"] is not None
    response = client.post("/accounts/phone/confirm/", {"code": wrong(code)})
    assert response.status_code == 400 and response.context["confirm_form"].errors
    response = client.post("/accounts/phone/confirm/", {"code": code, "next": "/listings/new/"})
    assert response.status_code == 302 and response.url == "/listings/new/"
    user.refresh_from_db()
    assert user.phone_verified


def test_the_account_page_refuses_a_landline_with_a_form_error(client):
    client.force_login(UserFactory(unverified=True))
    response = client.post("/accounts/phone/send/", {"phone": "87272500000"})
    assert response.status_code == 400 and "phone" in response.context["send_form"].errors


def test_the_pages_need_a_login(client):
    assert client.get("/accounts/phone/").status_code == 302
    assert client.post("/accounts/phone/send/").status_code == 302
    assert not PhoneCode.objects.exists()


def test_the_sms_job_sends_nothing_for_a_used_code(sms, run_jobs):
    user = UserFactory(unverified=True)
    api = api_for(user)
    api.post(VERIFY, {}, format="json")
    PhoneCode.objects.filter(user=user).update(used_at=timezone.now())
    run_jobs()
    assert sms() == []
