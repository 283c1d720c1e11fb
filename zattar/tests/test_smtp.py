"""Mail leaves through a real SMTP server: aiosmtpd on a loopback port receives what the mail
job sends, as production's SMTP relay would (EMAIL_URL names it there)."""

import email
import re
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from zattar.testing import free_port

pytestmark = pytest.mark.django_db


class Inbox:
    """aiosmtpd's handler: every message it accepts, with its envelope."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        with override_settings(MAILERS=mailers):
            yield inbox
    finally:
        controller.stop()


def test_a_password_reset_arrives_at_the_smtp_server_in_the_sites_language(
    client, smtp_server, run_jobs
):
    user = UserFactory(email="aru@example.kz", language="kk")
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
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
