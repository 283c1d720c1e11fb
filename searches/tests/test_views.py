"""The pages: "Save this search" under the search page's results, the saved searches page
(rename, how often, delete, a link to the results), and nobody else's searches."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory
from listings.models import City
from searches.models import SavedSearch
from searches.tests.factories import SavedSearchFactory

pytestmark = pytest.mark.django_db

SEARCH = "/search/?q=++Samsung+galaxy&city=almaty&category=phones&price_max=200000&has_photos=on"


def hidden_inputs(html: str) -> dict:
    form = re.search(r'<form[^>]*action="/searches/save/".*?</form>', html, re.S).group(0)
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
        if name != "csrfmiddlewaretoken"
    }


def test_save_this_search_from_the_search_page(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(SEARCH)
    assert page.status_code == 200
    params = hidden_inputs(page.content.decode())
    assert params == {
        "q": "Samsung galaxy",
        "city": "almaty",
        "category": "phones",
        "price_max": "200000",
        "has_photos": "on",
    }
    answer = client.post("/searches/save/", {**params, "name": "Галакси", "frequency": "daily"})
    assert answer.status_code == 302 and answer["Location"] == reverse("searches:list")
    search = SavedSearch.objects.get(user=user)
    assert (search.name, search.q, search.city.slug, search.price_max) == (
        "Галакси",
        "Samsung galaxy",
        "almaty",
        200_000,
    )
    assert search.has_photos and search.frequency == "daily" and search.condition == ""
    listing = client.get(reverse("searches:list")).content.decode()
    assert "Галакси" in listing
    link = re.search(r'<a href="(/search/\?[^"]+)">Галакси</a>', listing).group(1)
    results = client.get(unescape(link))
    assert results.status_code == 200
    assert hidden_inputs(results.content.decode()) == params  # the same filters


def test_a_corrected_search_is_saved_as_corrected(client):
    """The page shows "showing results for «samsung galaxy»": saving it saves those words, not
    the typo that finds nothing (a saved search does not correct its words)."""
    from listings.tests.factories import ListingFactory

    ListingFactory(title="Samsung Galaxy S21")
    client.force_login(UserFactory())
    page = client.get("/search/", {"q": "samsng galaxy"}).content.decode()
    assert "samsung galaxy" in page
    params = hidden_inputs(page)
    assert params == {"q": "samsung galaxy"}
    assert 'name="name" maxlength="100" value="samsung galaxy"' in page


def test_a_visitor_is_asked_to_sign_in_to_save(client):
    page = client.get(SEARCH).content.decode()
    assert "/accounts/login/?next=" in page and 'action="/searches/save/"' not in page
    assert client.post("/searches/save/", {"q": "x"}).status_code == 302
    assert not SavedSearch.objects.exists()


def test_invalid_filters_are_neither_offered_nor_saved(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/search/?price_min=abc").content.decode()
    assert 'action="/searches/save/"' not in page
    answer = client.post("/searches/save/", {"city": "atlantis"}, follow=True)
    assert answer.status_code == 200
    assert not SavedSearch.objects.exists()


def test_the_21st_is_refused_with_a_message(client, settings):
    user = UserFactory()
    SavedSearchFactory.create_batch(settings.SAVED_SEARCH_LIMIT, user=user)
    client.force_login(user)
    with translation.override("en"):
        answer = client.post("/en/searches/save/", {"q": "велосипед"}, follow=True)
    assert SavedSearch.objects.filter(user=user).count() == settings.SAVED_SEARCH_LIMIT
    assert "at most 20 saved searches" in answer.content.decode()


def test_rename_change_frequency_and_delete(client):
    user = UserFactory()
    search = SavedSearchFactory(user=user, q="диван")
    client.force_login(user)
    answer = client.post(
        reverse("searches:change", args=[search.pk]),
        {"name": "  Диван  угловой ", "frequency": "off"},
    )
    assert answer.status_code == 302
    search.refresh_from_db()
    assert (search.name, search.frequency) == ("Диван угловой", "off")
    bad = client.post(reverse("searches:change", args=[search.pk]), {"name": " ", "frequency": "x"})
    assert bad.status_code == 302
    search.refresh_from_db()
    assert search.name == "Диван угловой"
    assert client.post(reverse("searches:delete", args=[search.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


def test_another_persons_search_is_404_on_the_pages(client):
    search = SavedSearchFactory(name="Чужой")
    client.force_login(UserFactory())
    change = client.post(
        reverse("searches:change", args=[search.pk]), {"name": "Мой", "frequency": "off"}
    )
    assert change.status_code == 404
    assert client.post(reverse("searches:delete", args=[search.pk])).status_code == 404
    assert "Чужой" not in client.get(reverse("searches:list")).content.decode()
    search.refresh_from_db()
    assert (search.name, search.frequency) == ("Чужой", "instant")


def test_the_list_page_query_count_does_not_grow(client, django_assert_num_queries):
    user = UserFactory()
    almaty = City.objects.get(slug="almaty")
    client.force_login(user)
    SavedSearchFactory(user=user, city=almaty)
    client.get(reverse("searches:list"))  # warm the session and caches
    # session+user, the searches with their city and category, the header's badges
    with django_assert_num_queries(3):
        client.get(reverse("searches:list"))
    SavedSearchFactory.create_batch(10, user=user, city=almaty)
    with django_assert_num_queries(3):
        page = client.get(reverse("searches:list"))
    assert page.content.decode().count('class="card saved-search"') == 11
