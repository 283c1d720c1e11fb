"""What Zattar told people is personal: support staff with the view permission read it in the
admin, nobody edits it, and moderators (the Moderators group) do not see it."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.tests.factories import UserFactory
from notifications.kinds import Kind
from notifications.services import notify

pytestmark = pytest.mark.django_db

LIST = "/admin/notifications/notification/"


def test_support_reads_notifications_and_cannot_change_them(client):
    notify(user=UserFactory(email="aru@example.kz"), kind=Kind.DEALS, event="tests/hello",
           key="k1", context={"name": "Aru"}, url="/")  # fmt: skip
    support = UserFactory(is_staff=True)
    support.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(support)
    page = client.get(LIST, {"q": "aru@example.kz"})
    assert page.status_code == 200 and "Aru" in page.text
    assert client.get(LIST + "add/").status_code == 403


def test_moderators_do_not_see_notifications(client):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    assert client.get(LIST).status_code == 403
