"""Moderators see failed jobs in the admin and can retry them; others cannot."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from zattar import tasks

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:procrastinate_procrastinatejob_changelist")


def failed_mail_job() -> int:
    job_id = tasks.send_email.defer(subject="Hi", body="Body", to=["a@example.kz"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s", [job_id])
    return job_id


def status(job_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id])
        return cursor.fetchone()[0]


def staff(*codenames: str):
    user = UserFactory(is_staff=True)
    for codename in ("view_procrastinatejob", *codenames):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_a_moderator_sees_a_failed_job_and_retries_it(client, run_jobs):
    job_id = failed_mail_job()
    client.force_login(staff("change_procrastinatejob"))
    page = client.get(CHANGELIST, {"status__exact": "failed"})
    assert page.status_code == 200 and "zattar.send_email" in page.text
    response = client.post(  # from the list filtered to failed jobs, as a moderator works
        f"{CHANGELIST}?status__exact=failed",
        {"action": "retry", "_selected_action": [job_id]},
        follow=True,
    )
    assert response.status_code == 200 and status(job_id) == "todo"
    assert "Задач возвращено в очередь: 1." in response.text
    assert "оставлено как есть" not in response.text
    assert run_jobs() == ["zattar.send_email"] and mail.outbox[0].subject == "Hi"


def test_who_may_only_look_cannot_retry(client):
    job_id = failed_mail_job()
    client.force_login(staff())
    assert client.get(CHANGELIST).status_code == 200
    response = client.post(CHANGELIST, {"action": "retry", "_selected_action": [job_id]})
    assert status(job_id) == "failed"
    assert response.status_code in (200, 302, 403)


def test_people_who_are_not_staff_see_nothing(client):
    client.force_login(UserFactory())
    assert client.get(CHANGELIST).status_code == 302  # to the admin's login
