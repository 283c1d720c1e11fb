"""GET/POST /api/v1/users/me/saved-searches, PATCH/DELETE .../{id}: the search page's form
validates the filters, at most SAVED_SEARCH_LIMIT each, another person's search is 404."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from listings.models import Category, City
from searches.models import SavedSearch
from searches.tests.factories import SavedSearchFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/users/me/saved-searches"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def detail(search) -> str:
    return f"{LIST}/{search.pk}"


PARAMS = {
    "q": "  iphone   13 ",
    "city": "almaty",
    "category": "bicycles",
    "price_min": 10_000,
    "price_max": 300_000,
    "condition": "used",
    "has_photos": True,
}


def test_saving_a_search_keeps_the_normalised_filters():
    user = UserFactory()
    answer = api_for(user).post(
        LIST, {"name": "Айфон", "params": PARAMS, "frequency": "daily"}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["name"] == "Айфон" and body["frequency"] == "daily"
    assert body["params"] == {**PARAMS, "q": "iphone 13"}
    assert "/search/?" in body["results_url"] and "city=almaty" in body["results_url"]
    search = SavedSearch.objects.get(user=user)
    assert search.city == City.objects.get(slug="almaty")
    assert search.category == Category.objects.get(slug="bicycles")
    listed = api_for(user).get(LIST).json()
    assert [row["id"] for row in listed["results"]] == [search.pk]


def test_a_city_given_by_id_is_kept_by_its_slug():
    almaty = City.objects.get(slug="almaty")
    answer = api_for(UserFactory()).post(
        LIST, {"name": "x", "params": {"city": str(almaty.pk)}}, format="json"
    )
    assert answer.status_code == 201
    assert answer.json()["params"]["city"] == "almaty"
    assert answer.json()["frequency"] == "instant"


def test_invalid_params_are_refused_per_field():
    user = UserFactory()
    answer = api_for(user).post(
        LIST,
        {
            "name": "x",
            "params": {
                "city": "atlantis",
                "price_min": -5,
                "condition": "broken",
                "has_photos": "maybe",
                "colour": "red",
            },
        },
        format="json",
    )
    assert answer.status_code == 400
    errors = answer.json()["params"]
    assert set(errors) == {"city", "price_min", "condition", "has_photos", "colour"}
    assert not SavedSearch.objects.exists()


def test_an_upside_down_price_range_is_refused():
    answer = api_for(UserFactory()).post(
        LIST, {"params": {"price_min": 500, "price_max": 100}}, format="json"
    )
    assert answer.status_code == 400
    assert "price_max" in answer.json()["params"]


def test_a_bad_frequency_is_refused():
    answer = api_for(UserFactory()).post(LIST, {"params": {}, "frequency": "hourly"}, format="json")
    assert answer.status_code == 400 and "frequency" in answer.json()


def test_the_21st_search_is_refused(settings):
    user = UserFactory()
    SavedSearchFactory.create_batch(settings.SAVED_SEARCH_LIMIT, user=user)
    answer = api_for(user).post(LIST, {"name": "one more", "params": {"q": "x"}}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "saved_search_limit"
    assert SavedSearch.objects.filter(user=user).count() == settings.SAVED_SEARCH_LIMIT
    # Another person is not counted against.
    other = api_for(UserFactory()).post(LIST, {"params": {"q": "x"}}, format="json")
    assert other.status_code == 201


def test_rename_change_frequency_and_filters_then_delete():
    user = UserFactory()
    search = SavedSearchFactory(user=user, q="велосипед")
    client = api_for(user)
    answer = client.patch(detail(search), {"name": "Велик", "frequency": "off"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["name"] == "Велик" and answer.json()["frequency"] == "off"
    assert answer.json()["params"]["q"] == "велосипед"  # untouched
    answer = client.patch(detail(search), {"params": {"price_max": 5}}, format="json")
    assert answer.json()["params"]["price_max"] == 5 and answer.json()["params"]["q"] == ""
    bad = client.patch(detail(search), {"params": {"price_max": "cheap"}}, format="json")
    assert bad.status_code == 400 and "price_max" in bad.json()["params"]
    assert client.delete(detail(search)).status_code == 204
    assert not SavedSearch.objects.exists()


def test_another_persons_search_is_404_by_every_path():
    search = SavedSearchFactory(name="Чужой")
    client = api_for(UserFactory())
    assert client.get(detail(search)).status_code == 404
    assert client.patch(detail(search), {"name": "Мой"}, format="json").status_code == 404
    assert client.delete(detail(search)).status_code == 404
    assert client.get(LIST).json()["results"] == []
    search.refresh_from_db()
    assert search.name == "Чужой"


def test_a_visitor_gets_401():
    assert APIClient().get(LIST).status_code == 401
