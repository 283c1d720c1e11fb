"""A chat message nobody saw is e-mailed CHAT_EMAIL_DELAY_SECONDS later: sent through the API or
the socket, the clock moved on (time-machine), the minute's sweep run as a worker would, the mail
read at a real SMTP server."""

from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone

from chat.notifications import unread_emails_send
from chat.tests.conftest import ORIGIN, session_cookie
from chat.tests.test_consumers import next_of, open_socket
from zattar.asgi import application
from zattar.testing import api_for

DELAY = timedelta(seconds=settings.CHAT_EMAIL_DELAY_SECONDS)


def send(people, body: str, sender="buyer"):
    url = f"/api/v1/chat/conversations/{people['conversation'].pk}/messages"
    answer = api_for(people[sender]).post(url, {"body": body}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def sweep(run_jobs, at) -> list[str]:
    """The minute's periodic job at `at`, then what it deferred (the deliveries)."""
    from chat import tasks

    with time_machine.travel(at, tick=False):
        tasks.unread_emails.defer(timestamp=int(at.timestamp()))
        return run_jobs()


def chat_mails(smtp_server):
    return [m for _s, _r, m in smtp_server.received if m["X-Zattar-Kind"] == "messages"]


def english(people):
    for person in (people["seller"], people["buyer"]):
        person.language = "en"
        person.email = f"{person.pk}@example.kz"
        person.save(update_fields=["language", "email"])


@pytest.mark.django_db
def test_one_mail_per_conversation_per_hour_with_the_text_the_ad_and_a_link(
    people, smtp_server, run_jobs
):
    english(people)
    start = timezone.now()
    send(people, "Is it still for sale? <b>today</b>")
    assert sweep(run_jobs, start + DELAY - timedelta(seconds=30)) == ["chat.unread_emails"]
    assert chat_mails(smtp_server) == []  # not yet
    sweep(run_jobs, start + DELAY + timedelta(seconds=5))
    (mail,) = chat_mails(smtp_server)
    assert mail["To"] == people["seller"].email
    assert mail["Content-Language"] == "en"
    listing = people["listing"]
    assert mail["Subject"] == f"{people['buyer'].name} wrote to you about “{listing.title}”"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    # the page in the recipient's language
    link = f"{settings.SITE_URL}/en/chat/{people['conversation'].pk}/"
    assert "Is it still for sale? <b>today</b>" in text and link in text
    assert "&lt;b&gt;today&lt;/b&gt;" in html and "<b>today" not in html  # escaped
    assert f"Ad: {listing.title}" in text
    # More messages within the hour: no second e-mail then, one after the hour.
    send(people, "Hello?")
    send(people, "Anyone?")
    sweep(run_jobs, start + DELAY + timedelta(minutes=20))
    assert len(chat_mails(smtp_server)) == 1
    sweep(run_jobs, start + DELAY + timedelta(minutes=61))
    assert len(chat_mails(smtp_server)) == 2
    later = chat_mails(smtp_server)[1].get_body(preferencelist=("plain",)).get_content()
    assert "Anyone?" in later
    # A rerun of the sweep (a retried job) sends nothing more.
    with time_machine.travel(start + DELAY + timedelta(minutes=62), tick=False):
        assert unread_emails_send() == 0
        run_jobs()
    assert len(chat_mails(smtp_server)) == 2


@pytest.mark.django_db
def test_a_sweep_run_twice_mails_once(people, smtp_server, run_jobs):
    english(people)
    start = timezone.now()
    send(people, "Hi")
    with time_machine.travel(start + DELAY + timedelta(seconds=5), tick=False):
        assert unread_emails_send() == 1
        assert unread_emails_send() == 0
        run_jobs()
    assert len(chat_mails(smtp_server)) == 1


@pytest.mark.django_db
def test_zattars_own_notes_are_not_mailed_by_the_chat(people, smtp_server, run_jobs):
    from chat.services import system_message_post

    start = timezone.now()
    system_message_post(
        listing=people["listing"], buyer=people["buyer"], body="Deal", unread_for=people["seller"]
    )
    sweep(run_jobs, start + DELAY + timedelta(seconds=5))
    assert chat_mails(smtp_server) == []


@pytest.mark.django_db(transaction=True)
def test_no_mail_when_read_or_seen_on_an_open_page_and_one_when_not(people, smtp_server, run_jobs):
    english(people)
    chat = people["conversation"]

    async def read_on_the_conversation_page(message_id: int) -> None:
        seller = await open_socket(chat.pk, people["seller"])
        await seller.send_json_to({"type": "read", "up_to": message_id})
        await next_of(seller, "read")
        await seller.disconnect()

    async def badge_open_while_it_arrives(body: str) -> None:
        cookie = await database_sync_to_async(session_cookie)(people["seller"])
        badge = WebsocketCommunicator(application, "/api/v1/ws/me/", headers=[ORIGIN, cookie])
        assert (await badge.connect())[0]
        assert (await badge.receive_json_from(timeout=3))["type"] == "unread"
        buyer = await open_socket(chat.pk, people["buyer"])
        await buyer.send_json_to({"type": "message", "body": body})  # through the socket
        assert (await next_of(badge, "unread"))["message"]["body"] == body
        await buyer.disconnect()
        await badge.disconnect()

    async def nobody_there(body: str) -> None:
        buyer = await open_socket(chat.pk, people["buyer"])
        await buyer.send_json_to({"type": "message", "body": body})
        await next_of(buyer, "message")
        await buyer.disconnect()

    start = timezone.now()
    read = send(people, "Read on the page")
    async_to_sync(read_on_the_conversation_page)(read["id"])
    sweep(run_jobs, start + DELAY + timedelta(minutes=1))
    assert chat_mails(smtp_server) == []  # read: nothing pending

    start = timezone.now()
    async_to_sync(badge_open_while_it_arrives)("Seen in the badge")
    sweep(run_jobs, start + DELAY + timedelta(minutes=1))
    assert chat_mails(smtp_server) == []  # a page was open: the badge told them

    start = timezone.now()
    async_to_sync(nobody_there)("Nobody saw this")
    sweep(run_jobs, start + DELAY + timedelta(minutes=1))
    (mail,) = chat_mails(smtp_server)
    assert "Nobody saw this" in mail.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db
def test_the_mail_is_in_the_recipients_language(people, smtp_server, run_jobs):
    seller = people["seller"]
    seller.language = "ru"
    seller.save(update_fields=["language"])
    start = timezone.now()
    send(people, "Добрый день")
    sweep(run_jobs, start + DELAY + timedelta(seconds=5))
    (mail,) = chat_mails(smtp_server)
    assert mail["Content-Language"] == "ru"
    title = people["listing"].title
    assert mail["Subject"] == f"{people['buyer'].name} написал(а) вам по объявлению «{title}»"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Ответьте в переписке на Zattar." in text
