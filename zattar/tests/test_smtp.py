"""Mail leaves through a real SMTP server: aiosmtpd on a loopback port receives what the mail
job sends, as production's SMTP relay would (EMAIL_URL names it there)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_password_reset_arrives_at_the_smtp_server_in_the_sites_language(
    client, smtp_server, run_jobs
):
    user = UserFactory(email="aru@example.kz", language="kk")
    with translation.override("kk"):  # the Kazakh page: /kk/accounts/password/reset/
        response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert smtp_server.received == []  # a job sends it: the request never waits for SMTP
    assert run_jobs() == ["zattar.send_email"]
    ((sender, recipients, message),) = smtp_server.received
    assert recipients == ["aru@example.kz"] and "noreply@zattar.kz" in sender
    assert message["To"] == "aru@example.kz"
    assert "құпиясөз" in message["Subject"]  # Kazakh: the language the site is shown in
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://[^/\s]+(/\S*password/reset/\S+)", body)
    assert link, body
    assert client.get(link.group(1), follow=True).context["validlink"]


def test_a_long_russian_subject_arrives_with_every_space(smtp_server, run_jobs):
    """Python 3.12.1 folds such a subject and loses the spaces between its encoded words
    ("вампо"): zattar.mail.Mail keeps it on one line."""
    from zattar.tasks import mail_defer

    subject = "Остромир написал(а) вам по объявлению «Велосипед городской номер 101»"
    mail_defer(subject=subject, body="Текст", to=["aru@example.kz"])
    run_jobs()
    ((_sender, _recipients, message),) = smtp_server.received
    assert message["Subject"] == subject
