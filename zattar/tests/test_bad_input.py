"""Bad input gets a clear 4xx, never a 500: NUL characters in the city and category pickers,
deeply nested JSON, mangled search cursors and oversized or suspicious request bodies."""

import base64
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from chat.tests.conftest import people  # noqa: F401  (shared fixture)
from deals import services as deal_services
from listings.models import Listing
from listings.tests.factories import ListingFactory
from zattar.parsers import MAX_JSON_DEPTH
from zattar.testing import api_for

pytestmark = pytest.mark.django_db

NUL = "\x00"
AD = {
    "title": "Диван угловой раскладной",
    "description": "Раскладывается в полноценную кровать, есть ящик для белья, без дефектов.",
    "price": 125_000,
    "condition": "used",
    "city": "almaty",
    "category": "furniture",
}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- NUL characters in city and category -------------------------------------------------------


@pytest.mark.parametrize("name", ["city", "category"])
@pytest.mark.parametrize("value", [NUL, f"almaty{NUL}", f"1{NUL}"])
def test_a_nul_in_the_search_page_filters_is_a_form_error(client, name, value):
    ListingFactory()
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(reverse("listings:search"), {name: value}, **headers)
        assert response.status_code == 200
        assert name in response.context["form"].errors


@pytest.mark.parametrize("name", ["city", "category"])
def test_a_nul_in_the_api_list_filters_is_a_400_for_that_field(name):
    response = APIClient().get("/api/v1/listings", {name: f"almaty{NUL}"})
    assert response.status_code == 400 and set(response.json()) == {name}


@pytest.mark.parametrize("name", ["city", "category"])
def test_a_nul_in_an_ads_json_is_a_400_for_that_field(name):
    api = api_for(UserFactory())
    response = api.post("/api/v1/listings", {**AD, name: f"almaty{NUL}"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {name}
    listing = ListingFactory()
    response = api_for(listing.seller).patch(
        f"/api/v1/listings/{listing.pk}", {name: NUL}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {name}
    assert not Listing.objects.exclude(pk=listing.pk).exists()


@pytest.mark.parametrize("name", ["city", "category"])
def test_a_nul_on_the_ad_form_is_a_field_error(client, name):
    client.force_login(UserFactory())
    response = client.post(reverse("listings:create"), {**AD, name: f"almaty{NUL}"})
    assert response.status_code == 200 and name in response.context["form"].errors
    response = client.post(reverse("listings:validate"), {"_field": name, name: NUL})
    assert response.status_code == 200 and "field--error" in response.text
    assert not Listing.objects.exists()


def test_a_nul_in_the_profile_city_is_a_field_error(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:profile_edit"), {"name": "Айгерим", "city": NUL})
    assert response.status_code == 200 and "city" in response.context["form"].errors
    response = api_for(user).patch("/api/v1/users/me", {"city": f"1{NUL}"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"city"}


# --- Deeply nested JSON -------------------------------------------------------------------------


@pytest.fixture
def deep_targets(people):  # noqa: F811
    """Every JSON endpoint, with who may call it."""
    listing, buyer = people["listing"], people["buyer"]
    conversation = people["conversation"]
    return [
        ("/api/v1/users/login", None),
        ("/api/v1/users/register", None),
        ("/api/v1/users/token/refresh", None),
        ("/api/v1/users/me/password", buyer),
        ("/api/v1/listings", buyer),
        (f"/api/v1/listings/{listing.pk}/images/reorder", listing.seller),
        (f"/api/v1/chat/conversations/{conversation.pk}/messages", buyer),
        ("/api/v1/safe-deals", buyer),
    ]


@pytest.mark.parametrize("depth", [100_000, MAX_JSON_DEPTH + 1])
def test_deeply_nested_json_is_a_400_parse_error_everywhere(deep_targets, depth):
    for path, user in deep_targets:
        api = api_for(user) if user else APIClient()
        body = f'{{"login": {nested(depth)}, "password": "x"}}'
        response = api.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content[:200])
        assert response.json()["code"] == "parse_error", path


def test_deeply_nested_json_in_a_patch_is_a_400(people):  # noqa: F811
    listing = people["listing"]
    response = api_for(listing.seller).patch(
        f"/api/v1/listings/{listing.pk}", nested(100_000), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = api_for(listing.seller).patch(
        "/api/v1/users/me", nested(100_000), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    "body", ['{"status": "\\ud800"}', '{"status": "SHIPPED", "carrier": "x", "\\udfff": 1}']
)
def test_a_lone_surrogate_in_json_is_a_400_parse_error(people, body):  # noqa: F811
    """Valid JSON, not text: echoed back in a message ("is not a valid choice") it was a 500."""
    deal = deal_services.deal_start(listing_id=ListingFactory(price=9000).pk, buyer=people["buyer"])
    response = api_for(deal.seller).post(
        f"/api/v1/safe-deals/{deal.pk}/transition", body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_json_as_deep_as_allowed_still_parses():
    body = json.dumps({"login": "nobody@example.kz", "password": "x", "extra": [[["a"]]]})
    response = APIClient().post("/api/v1/users/login", body, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("ordering", ["new", "cheap"])
def test_a_deeply_nested_search_cursor_shows_the_first_page(client, ordering):
    ListingFactory.create_batch(2)
    cursor = base64.urlsafe_b64encode(nested(100_000).encode()).decode()
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(
            reverse("listings:search"), {"ordering": ordering, "cursor": cursor}, **headers
        )
        assert response.status_code == 200 and len(response.context["result"].items) == 2


# --- Oversized and suspicious bodies ------------------------------------------------------------


def test_an_oversized_json_body_is_a_413_in_json(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"login": "x" * 2000, "password": PASSWORD})
    response = APIClient().post("/api/v1/users/login", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": response.json()["detail"], "code": "too_large"}


def test_a_json_body_at_the_limit_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"login": "nobody@example.kz", "password": PASSWORD}).ljust(1000)
    response = APIClient().post("/api/v1/users/login", body, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("format", ["multipart", None])
def test_an_oversized_form_body_is_a_413_in_json(settings, format):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = api_for(UserFactory())
    data = {"name": "x" * 2000}
    if format:
        response = api.patch("/api/v1/users/me", data, format=format)
    else:
        response = api.generic(
            "PATCH",
            "/api/v1/users/me",
            "name=" + "x" * 2000,
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_too_many_form_fields_is_a_400_in_json(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{n}=1" for n in range(50))
    response = APIClient().post(
        "/api/v1/users/login", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_a_suspicious_request_outside_drf_is_a_400_in_json_on_the_api(client):
    response = client.get("/api/v1/cities", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_request"
    page = client.get(reverse("listings:search"), HTTP_HOST="evil.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


# --- Strict parameters and types ----------------------------------------------------------------


@pytest.mark.parametrize("query", ["page_size=abc", "page_size=0", "page_size=500"])
def test_a_page_size_that_is_not_1_to_100_is_a_400(query):
    response = APIClient().get(f"/api/v1/cities?{query}")
    assert response.status_code == 400 and set(response.json()) == {"page_size"}


@pytest.mark.parametrize("page", ["", "abc", "0"])
def test_a_page_that_is_not_a_page_is_a_404(page):
    response = APIClient().get("/api/v1/cities", {"page": page})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_has_photos_takes_true_false_or_the_checkboxs_on(client):
    ListingFactory(title="Горный велосипед Stels Navigator")
    api = APIClient()
    assert api.get("/api/v1/listings", {"has_photos": "true"}).json()["count"] == 0
    assert api.get("/api/v1/listings", {"has_photos": "false"}).json()["count"] == 1
    response = api.get("/api/v1/listings", {"has_photos": "maybe"})
    assert response.status_code == 400 and set(response.json()) == {"has_photos"}
    page = client.get(reverse("listings:search"), {"has_photos": "on"})
    assert page.context["filters"].has_photos and "checked" in page.text


def test_a_number_where_the_api_wants_text_is_a_400(people):  # noqa: F811
    conversation = people["conversation"]
    response = api_for(people["buyer"]).post(
        f"/api/v1/chat/conversations/{conversation.pk}/messages", {"body": 0}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"body"}
    assert not conversation.messages.exists()


@pytest.mark.parametrize("value", [[1], {"slug": "almaty"}, True, 1.5, "007", "almaty\n"])
def test_a_city_of_the_wrong_shape_is_a_400_for_that_field(value):
    response = api_for(UserFactory()).post("/api/v1/listings", {**AD, "city": value}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"city"}


@pytest.mark.parametrize("format", ["multipart", None])
def test_an_empty_name_in_a_form_is_blank_not_left_out(format):
    user = UserFactory(name="Айгерим")
    api = api_for(user)
    if format:
        response = api.patch("/api/v1/users/me", {"name": "", "city": ""}, format=format)
    else:
        response = api.generic(
            "PATCH", "/api/v1/users/me", "name=&city=", "application/x-www-form-urlencoded"
        )
    assert response.status_code == 400 and set(response.json()) == {"name"}
    user.refresh_from_db()
    assert user.name == "Айгерим"


def test_a_patch_that_changes_nothing_is_a_400():
    listing = ListingFactory()
    api = api_for(listing.seller)
    for path in (f"/api/v1/listings/{listing.pk}", "/api/v1/users/me"):
        for body, format in (({}, "json"), ({"unknown": "x"}, "json"), ({}, "multipart")):
            response = api.patch(path, body, format=format)
            assert response.status_code == 400, (path, body, format)
            assert response.json()["non_field_errors"], (path, body, format)


@pytest.mark.slow
def test_daphne_leaves_a_malformed_multipart_body_to_django(tmp_path):
    """Twisted once answered it itself: a bare 400 without a body, where the API promises JSON."""
    import urllib.error
    import urllib.request

    from zattar.testing import daphne_process, free_port

    port = free_port()
    with (tmp_path / "daphne.log").open("w") as log:
        server = daphne_process(port, log=log)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/users/token/refresh",
            data=b"--x--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=20)
        body = answer.value.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert answer.value.code == 400
    assert answer.value.headers["Content-Type"] == "application/json"
    assert set(json.loads(body)) == {"refresh"}


def test_a_multipart_body_with_no_readable_part_is_a_400_not_an_empty_form():
    """Found by the API fuzz test: bytes between the boundaries without a part's headers were
    read as an empty form, and `feed/read` (all fields optional) marked everything read."""
    api = api_for(UserFactory())
    url = "/api/v1/users/me/notifications/feed/read"
    boundary = "464d5e1f2789d350107758de5e2f5deb"
    content_type = f"multipart/form-data; boundary={boundary}"
    garbled = f"--{boundary}\r\n219584592892--{boundary}--\r\n"
    response = api.generic("POST", url, garbled, content_type=content_type)
    assert response.status_code == 400
    assert "no readable part" in response.json()["detail"]
    # an empty form (the closing delimiter alone) and a real part still parse
    empty = api.generic("POST", url, f"--{boundary}--\r\n", content_type=content_type)
    assert empty.status_code == 200 and empty.json() == {"read": 0, "unread": 0}
    assert api.post(url, {"ids": [1]}, format="multipart").status_code == 200


def test_max_length_counts_the_text_as_sent_before_its_spaces_are_trimmed():
    """Found by the API fuzz test: 101 characters with a leading space were trimmed to 100 and
    accepted, where the schema's maxLength of 100 refuses them."""
    api = api_for(UserFactory())
    url = "/api/v1/users/me/saved-searches"
    too_long = api.post(url, {"name": " " + "д" * 100, "params": {}}, format="json")
    assert too_long.status_code == 400 and set(too_long.json()) == {"name"}
    created = api.post(url, {"name": "  Диваны  ", "params": {}}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["name"] == "Диваны"  # still trimmed


SAVED_SEARCHES = "/api/v1/users/me/saved-searches"


@pytest.mark.parametrize("sent", ["[[true], [-1539, -101]]", "cheap bikes", "7"])
def test_an_object_sent_whole_in_a_form_as_anything_else_is_a_400(sent):
    """A multipart part holding JSON that is not an object was read as no filters at all (a
    saved search of every ad)."""
    user = UserFactory()
    response = api_for(user).post(SAVED_SEARCHES, {"name": "x", "params": sent}, format="multipart")
    assert response.status_code == 400 and set(response.json()) == {"params"}
    assert not user.saved_searches.exists()


def test_an_object_in_a_form_whole_as_json_or_by_keys_is_read():
    user = UserFactory()
    client = api_for(user)
    whole = client.post(
        SAVED_SEARCHES, {"params": json.dumps({"q": "велосипед"})}, format="multipart"
    )
    by_keys = client.post(SAVED_SEARCHES, {"params.q": "самокат"}, format="multipart")
    assert (whole.status_code, by_keys.status_code) == (201, 201)
    assert [whole.json()["params"]["q"], by_keys.json()["params"]["q"]] == ["велосипед", "самокат"]
    left_out = client.post(SAVED_SEARCHES, {"name": "x"}, format="multipart")
    assert left_out.status_code == 400 and set(left_out.json()) == {"params"}
