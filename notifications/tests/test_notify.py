"""The one door, notify(): a notification under the bell, an e-mail in the person's language
through a real SMTP server with a one-click unsubscribe that works without logging in."""

import re

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.kinds import Channel, Kind
from notifications.models import Notification
from notifications.services import notify, preferences, preferences_set

pytestmark = pytest.mark.django_db


def tell(user, key="deal:1:ship-reminder"):
    # The ship reminder's own templates come with the deals' reminders; the feed's title and
    # body here come from the unsubscribe templates' kind label via a tiny event of the tests.
    return notify(
        user=user,
        kind=Kind.DEALS,
        event="tests/hello",
        key=key,
        context={"name": "Aru"},
        url="/deals/1/",
    )


def test_a_notification_is_mailed_once_in_the_persons_language(smtp_server, run_jobs):
    user = UserFactory(email="aru@example.kz", language="kk")
    assert tell(user) is not None
    assert tell(user) is None  # the same cause again: nothing new
    assert run_jobs() == ["notifications.deliver"]
    ((_sender, recipients, message),) = smtp_server.received
    assert recipients == ["aru@example.kz"]
    assert message["Content-Language"] == "kk"
    assert message["Subject"] == "Сәлеметсіз бе, Aru"  # Kazakh: the person's language
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = settings.SITE_URL + "/kk/deals/1/"  # the page in the person's language
    assert link in text and f'href="{link}"' in html
    assert Notification.objects.get(user=user).emailed_at is not None
    # A retried job sends nothing more.
    from notifications.delivery import deliver

    deliver(notification_id=Notification.objects.get(user=user).pk)
    assert len(smtp_server.received) == 1


def test_one_click_unsubscribe_works_without_logging_in(client, smtp_server, run_jobs):
    user = UserFactory(email="bek@example.kz", language="ru")
    tell(user)
    run_jobs()
    ((_s, _r, message),) = smtp_server.received
    header = re.fullmatch(r"<https?://[^/]+(/\S+)>", message["List-Unsubscribe"]).group(1)
    assert header in message.get_body(preferencelist=("plain",)).get_content()
    page = client.get(header)  # a link scanner opening it changes nothing
    assert page.status_code == 200 and preferences(user=user)["deals"]["email"] is True
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no session, no CSRF token.
    answer = client.post(header, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert preferences(user=user)["deals"] == {"email": False, "push": True}
    assert preferences(user=user)["messages"]["email"] is True  # only that kind
    tell(user, key="deal:2:ship-reminder")
    run_jobs()
    assert len(smtp_server.received) == 1  # switched off: no second e-mail
    assert Notification.objects.filter(user=user).count() == 2  # still under the bell


def test_a_forged_unsubscribe_link_changes_nothing(client):
    user = UserFactory()
    bad = reverse("notifications:unsubscribe", args=["forged:token"])
    assert client.post(bad).status_code == 400
    assert preferences(user=user)["deals"]["email"] is True


def test_a_rolled_back_change_tells_nobody(run_jobs):
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        tell(user)
        raise RuntimeError
    assert run_jobs() == [] and not Notification.objects.exists()


def test_preferences_switch_per_kind_and_channel():
    user = UserFactory()
    result = preferences_set(user=user, changes={"messages": {Channel.PUSH: False}})
    assert result["messages"] == {"email": True, "push": False}
    assert set(result) == {kind.value for kind in Kind}
