"""The notifications API as clients use it: preferences under /api/v1/users/me/notifications,
the feed and marking it read."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notify, preferences
from zattar.testing import api_for

pytestmark = pytest.mark.django_db

PREFERENCES = "/api/v1/users/me/notifications"
FEED = "/api/v1/users/me/notifications/feed"
READ = "/api/v1/users/me/notifications/feed/read"

ALL_ON = {kind.value: {"email": True, "push": True} for kind in Kind}


def tell(user, key: str) -> Notification:
    return notify(
        user=user, kind=Kind.DEALS, event="tests/hello", key=key, context={"name": key}, url="/d/"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", PREFERENCES), ("patch", PREFERENCES), ("get", FEED), ("post", READ)],
)
def test_anonymous_is_401_with_a_json_body(method, path):
    answer = getattr(APIClient(), method)(path, {}, format="json")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


def test_the_preferences_are_every_kind_and_channel_on_by_default():
    answer = api_for(UserFactory()).get(PREFERENCES)
    assert answer.status_code == 200
    assert answer.json() == ALL_ON
    assert set(answer.json()) == {"messages", "deals", "saved_searches", "price_drops", "listings"}


def test_a_patch_changes_only_what_it_names():
    me, other = UserFactory(), UserFactory()
    api = api_for(me)
    answer = api.patch(PREFERENCES, {"deals": {"email": False}}, format="json")
    assert answer.status_code == 200
    expected = {**ALL_ON, "deals": {"email": False, "push": True}}
    assert answer.json() == expected
    answer = api.patch(PREFERENCES, {"price_drops": {"push": False}, "messages": {}}, format="json")
    expected["price_drops"] = {"email": True, "push": False}
    assert answer.json() == expected == preferences(user=me)
    assert api.get(PREFERENCES).json() == expected
    assert api.patch(PREFERENCES, {"deals": {"email": True}}, format="json").json()["deals"] == {
        "email": True,
        "push": True,
    }
    assert preferences(user=other) == ALL_ON


def test_unknown_kinds_and_channels_and_non_booleans_are_400_per_field():
    me = UserFactory()
    api = api_for(me)
    answer = api.patch(
        PREFERENCES,
        {
            "deals": {"email": "no", "sms": True},
            "weather": {"email": False},
            "messages": {"push": 0},
            "listings": True,
            "price_drops": {"email": False},
        },
        format="json",
    )
    assert answer.status_code == 400
    errors = answer.json()
    assert set(errors) == {"deals", "weather", "messages", "listings"}
    assert set(errors["deals"]) == {"email", "sms"}
    for messages in errors["deals"].values():
        assert isinstance(messages, list) and isinstance(messages[0], str)
    assert list(errors["messages"]) == ["push"]
    assert isinstance(errors["weather"], list)
    assert "non_field_errors" in errors["listings"]
    assert preferences(user=me) == ALL_ON  # nothing of a refused request was saved


def test_an_empty_patch_or_a_body_that_is_not_an_object_is_400():
    api = api_for(UserFactory())
    assert api.patch(PREFERENCES, {}, format="json").status_code == 400
    answer = api.patch(PREFERENCES, [1], format="json")
    assert answer.status_code == 400 and "non_field_errors" in answer.json()


def test_the_feed_lists_ones_own_newest_first_a_page_at_a_time():
    me, other = UserFactory(), UserFactory()
    for n in range(25):
        tell(me, f"mine-{n}")
    tell(other, "theirs")
    api = api_for(me)
    first = api.get(FEED).json()
    assert first["count"] == 25 and len(first["results"]) == 20
    item = first["results"][0]
    assert set(item) == {"id", "kind", "title", "body", "url", "created_at", "read_at"}
    assert item["kind"] == "deals" and item["url"] == "/d/" and item["read_at"] is None
    assert "mine-24" in item["title"]
    second = api.get(FEED, {"page": 2}).json()
    titles = [i["title"] for i in first["results"] + second["results"]]
    assert len(titles) == 25 and not any("theirs" in t for t in titles)
    # Reading the feed through the API marks nothing: clients say what was read.
    assert Notification.objects.filter(user=me, read_at__isnull=True).count() == 25


def test_the_feed_is_the_last_50():
    me = UserFactory()
    for n in range(55):
        tell(me, f"n{n}")
    assert api_for(me).get(FEED, {"page_size": 100}).json()["count"] == 50


def test_marking_read_by_ids_touches_only_ones_own():
    me, other = UserFactory(), UserFactory()
    mine = [tell(me, f"m{n}") for n in range(3)]
    theirs = tell(other, "t")
    answer = api_for(me).post(READ, {"ids": [mine[0].pk, theirs.pk]}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"read": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    answer = api_for(me).post(READ, {}, format="json")  # no ids: all of them
    assert answer.json() == {"read": 2, "unread": 0}
    assert api_for(me).get(FEED).json()["results"][0]["read_at"] is not None


def test_marking_read_with_bad_ids_is_400_per_field():
    answer = api_for(UserFactory()).post(READ, {"ids": ["x", -1]}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()["ids"]) == {"0", "1"}


def test_the_paths_are_in_the_schema(client):
    schema = client.get("/api/v1/schema/").content.decode()
    for path in (PREFERENCES, FEED, READ):
        assert path + ":" in schema
