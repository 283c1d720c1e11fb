"""The bell's pages as people use them: the notifications feed and the settings' switches."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notify, preferences

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def push_on(settings):
    """The site has a VAPID key: browser notifications are a channel on the settings page."""
    from notifications import push

    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = push.key_pair()


def test_without_a_push_key_the_settings_show_e_mail_only_and_keep_push_as_it_was(client, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("notifications:preferences"))
    assert 'name="messages__email"' in page.text and "__push" not in page.text
    client.post(reverse("notifications:preferences"), {"deals__email": "on"})
    saved = preferences(user=user)
    assert saved["deals"] == {"email": True, "push": True}
    assert saved["messages"] == {"email": False, "push": True}


def tell(user, key: str, url: str = "/deals/1/", name: str = "Aru") -> Notification:
    return notify(
        user=user,
        kind=Kind.DEALS,
        event="tests/hello",
        key=key,
        context={"name": name},
        url=url,
    )


@pytest.mark.parametrize("name", ["notifications:feed", "notifications:preferences"])
def test_the_pages_ask_to_log_in(client, name):
    page = client.get(reverse(name))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:login"))


def test_the_feed_lists_ones_own_notifications_and_opening_it_reads_them(client):
    me, other = UserFactory(language="en"), UserFactory(language="en")
    tell(me, "one", name="Mine-old")
    old = Notification.objects.get(user=me)
    old.read_at = old.created_at
    old.save()
    tell(me, "two", url="/deals/2/", name="Mine-new")
    tell(other, "three", name="Theirs")
    client.force_login(me)

    page = client.get(reverse("notifications:feed"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Mine-old" in html and "Mine-new" in html
    assert "Theirs" not in html  # another person's notification is never shown
    assert html.index("Mine-new") < html.index("Mine-old")  # newest first
    assert 'href="/en/deals/2/"' in html  # the page in the person's language
    # The new one is highlighted this once; the old one is not.
    new_item = html[html.rindex("<li", 0, html.index("Mine-new")) : html.index("Mine-new")]
    old_item = html[html.rindex("<li", 0, html.index("Mine-old")) : html.index("Mine-old")]
    assert "is-unread" in new_item and "is-unread" not in old_item
    # Opening the page read them: the bell is back at zero, the other person's still unread.
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
    again = client.get(reverse("notifications:feed")).content.decode()
    assert "is-unread" not in again


def test_the_feed_shows_the_last_50(client):
    me = UserFactory()
    for n in range(53):
        tell(me, f"n{n}", name=f"N{n:02d}.")
    client.force_login(me)
    html = client.get(reverse("notifications:feed")).content.decode()
    assert html.count('class="feed__item') == 50
    assert "N52." in html and "N03." in html and "N02." not in html
    # Only what was shown was marked read.
    assert Notification.objects.filter(user=me, read_at__isnull=True).count() == 3


def test_the_feed_page_makes_a_fixed_number_of_queries(client, django_assert_num_queries):
    me = UserFactory()
    client.force_login(me)
    client.get(reverse("home"))  # the session's first touches out of the way
    for n in range(3):
        tell(me, f"a{n}")
    # session+user, feed, mark read (update), the header's badges
    with django_assert_num_queries(4):
        client.get(reverse("notifications:feed"))
    for n in range(30):
        tell(me, f"b{n}")
    with django_assert_num_queries(4):
        client.get(reverse("notifications:feed"))


def test_the_bell_shows_the_unread_count_in_the_header(client):
    me = UserFactory()
    tell(me, "one")
    tell(me, "two")
    client.force_login(me)
    html = client.get(reverse("listings:search")).content.decode()
    start = html.index('class="badge js-bell"')
    assert html[start : html.index("</span>", start)].endswith(">2")
    client.get(reverse("notifications:feed"))
    html = client.get(reverse("listings:search")).content.decode()
    start = html.index('class="badge js-bell"')
    assert " hidden>" in html[start : html.index("</span>", start) + 1]


def test_the_account_menu_links_the_settings(client):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("notifications:preferences")}"' in html
    assert f'href="{reverse("notifications:feed")}"' in html


def test_the_settings_page_shows_a_switch_per_kind_and_channel(client):
    me = UserFactory()
    client.force_login(me)
    with translation.override("en"):
        html = client.get(reverse("notifications:preferences"), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    for kind in Kind:
        for channel in ("email", "push"):
            assert f'name="{kind.value}__{channel}"' in html
    assert html.count('role="switch"') == len(Kind) * 2
    assert html.count(" checked") == len(Kind) * 2  # everything on by default


def test_saving_the_settings_switches_off_what_is_unticked(client):
    me, other = UserFactory(), UserFactory()
    client.force_login(me)
    ticked = {f"{kind.value}__{channel}": "on" for kind in Kind for channel in ("email", "push")}
    del ticked["deals__email"], ticked["price_drops__push"]
    answer = client.post(reverse("notifications:preferences"), ticked)
    assert answer.status_code == 302 and answer["Location"] == reverse("notifications:preferences")
    saved = preferences(user=me)
    assert saved["deals"] == {"email": False, "push": True}
    assert saved["price_drops"] == {"email": True, "push": False}
    assert saved["messages"] == {"email": True, "push": True}
    assert preferences(user=other)["deals"]["email"] is True
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert page.count(" checked") == len(Kind) * 2 - 2
    # Ticking again turns it back on.
    ticked["deals__email"] = "on"
    client.post(reverse("notifications:preferences"), ticked)
    assert preferences(user=me)["deals"]["email"] is True


def test_unticking_every_switch_turns_everything_off(client):
    me = UserFactory()
    client.force_login(me)
    answer = client.post(reverse("notifications:preferences"), {})  # a browser sends nothing
    assert answer.status_code == 302
    assert preferences(user=me) == {kind.value: {"email": False, "push": False} for kind in Kind}
