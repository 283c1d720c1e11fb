import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from listings import services
from listings.models import Category, City, Favorite, Listing
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("listings:search")
HTMX = {"HTTP_HX_REQUEST": "true"}


def ad_form(**overrides):
    data = {
        "title": "Диван угловой раскладной",
        "category": "furniture",
        "description": "Раскладывается в полноценную кровать, есть ящик для белья, без дефектов.",
        "price": "125000",
        "condition": "used",
        "city": "almaty",
    }
    data.update(overrides)
    return data


def with_photos(count: int):
    processed = [services.photo_process(upload(jpeg_with_gps(640, 480, 1))) for _ in range(count)]
    return processed


@pytest.fixture
def seller(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_home_shows_categories_and_newest_ads(client):
    ListingFactory(title="Велосипед горный Stels")
    response = client.get("/")
    assert response.status_code == 200
    assert "Велосипед горный Stels" in response.text
    assert response.text.count('class="cat-tile"') == Category.objects.filter(parent=None).count()


def test_search_page_renders_whole_and_htmx_gets_only_the_results(client):
    ListingFactory(title="Горный велосипед Stels Navigator", price=125_000)
    full = client.get(SEARCH, {"q": "велосипеды"})
    assert full.status_code == 200
    assert "<html" in full.text and 'class="filters' in full.text
    assert "125\u00a0000\u00a0₸" in full.text
    partial = client.get(SEARCH, {"q": "велосипеды"}, **HTMX)
    assert "<html" not in partial.text and 'class="filters card"' not in partial.text
    assert 'id="results"' in partial.text and "Горный велосипед" in partial.text


def test_empty_results_suggest_widening_the_filters(client):
    response = client.get(SEARCH, {"q": "экскаватор", "city": "almaty"})
    assert "Reset the filters" in response.text or "Сбросить фильтры" in response.text
    assert response.context["result"].count == 0


def test_bad_filter_values_show_a_message_not_an_error(client):
    response = client.get(SEARCH, {"price_min": "abc", "city": "atlantis"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"price_min", "city"}


def test_show_more_loads_the_next_page_in_place(client):
    ListingFactory.create_batch(30)
    first = client.get(SEARCH)
    more_url = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first.text).group(1).replace("&amp;", "&")
    more = client.get(more_url, **HTMX)
    assert more.status_code == 200
    assert more.text.count('class="ad-card"') == 6
    assert "results__count" not in more.text
    without_js = client.get(more_url)  # the same link works as a plain page
    assert without_js.status_code == 200 and "<html" in without_js.text


def test_search_page_query_count_does_not_grow_with_results(
    client, django_assert_num_queries, settings
):
    # relevance candidates, page ids, page rows, covers (fewer than 1,000 candidates are the
    # count: no estimate); the city and category pickers and the planner's answer about the
    # word are kept in memory that the first request fills (what rendering costs: a page kept
    # for anonymous visitors costs none, test_page_cache)
    settings.PAGE_CACHE_SECONDS = 0
    ListingFactory.create_batch(3)
    client.get(SEARCH, {"q": "велосипед"})
    with django_assert_num_queries(4):
        client.get(SEARCH, {"q": "велосипед"})
    ListingFactory.create_batch(30)
    with django_assert_num_queries(4):
        client.get(SEARCH, {"q": "велосипед"})


def test_home_query_count(client, django_assert_num_queries):
    ListingFactory.create_batch(15)
    with django_assert_num_queries(4):
        client.get("/")


def test_ad_page_counts_a_view_except_for_the_seller(client):
    listing = ListingFactory()
    client.get(listing.get_absolute_url())
    client.get(listing.get_absolute_url())
    services.listing_views_flush()  # the minute's job
    listing.refresh_from_db()
    assert listing.view_count == 1
    client.force_login(listing.seller)
    response = client.get(listing.get_absolute_url())
    services.listing_views_flush()
    listing.refresh_from_db()
    assert listing.view_count == 1
    assert "Edit the ad" in response.text or "Редактировать" in response.text


def test_archived_ads_are_404_to_everyone_but_the_seller(client):
    listing = ListingFactory(status="archived")
    assert client.get(listing.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(listing.get_absolute_url()).status_code == 404
    client.force_login(listing.seller)
    assert client.get(listing.get_absolute_url()).status_code == 200


def test_posting_requires_login(client):
    response = client.get(reverse("listings:create"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_post_an_ad_with_photos_lands_on_it(client, seller):
    photos = [upload(jpeg_with_gps(800, 600, 1), f"p{n}.jpg") for n in range(3)]
    response = client.post(reverse("listings:create"), {**ad_form(), "photos": photos})
    listing = Listing.objects.get()
    assert response.status_code == 302 and response.url == listing.get_absolute_url()
    assert (listing.seller, listing.image_count, listing.price) == (seller, 3, 125_000)
    assert listing.category.slug == "furniture" and listing.root_category.slug == "home-garden"


def test_bad_input_on_the_ad_form_keeps_nothing(client, seller):
    response = client.post(
        reverse("listings:create"),
        {
            **ad_form(title="ДИВАН СРОЧНО", description="мало", category="home-garden"),
            "photos": [upload(jpeg_with_gps(), "ok.jpg"), upload(b"nope", "bad.jpg")],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"title", "description", "category", "photos"}
    assert not Listing.objects.exists()


def test_eleven_photos_are_refused_on_the_form(client, seller):
    photos = [upload(jpeg_with_gps(64, 48, 1), f"p{n}.jpg") for n in range(11)]
    response = client.post(reverse("listings:create"), {**ad_form(), "photos": photos})
    assert "photos" in response.context["form"].errors
    assert not Listing.objects.exists()


def test_live_validation_returns_the_field_with_its_error(client):
    response = client.post(
        reverse("listings:validate"), {"_field": "title", "title": "ВСЁ КАПСОМ ПИШУ"}, **HTMX
    )
    assert response.status_code == 200
    assert 'class="field field--error"' in response.text and "<html" not in response.text


def test_edit_saves_changes_and_strangers_get_404(client, seller):
    listing = ListingFactory(seller=seller)
    response = client.post(reverse("listings:edit", args=[listing.pk]), ad_form(price="99000"))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.price == 99_000 and listing.title == "Диван угловой раскладной"
    client.force_login(UserFactory())
    assert client.get(reverse("listings:edit", args=[listing.pk])).status_code == 404
    response = client.post(reverse("listings:edit", args=[listing.pk]), ad_form(price="1"))
    assert response.status_code == 404
    listing.refresh_from_db()
    assert listing.price == 99_000


def test_photo_management_through_htmx(client, seller):
    listing = services.listing_create(
        seller=seller,
        photos=with_photos(2),
        **{
            "title": "Стол письменный",
            "description": "Крепкий стол, без царапин, 120 на 60 см.",
            "price": 20_000,
            "negotiable": False,
            "condition": "used",
            "city": City.objects.get(slug="astana"),
            "category": Category.objects.get(slug="furniture"),
        },
    )
    first, second = listing.images.order_by("position")
    url = reverse("listings:photo_change", args=[listing.pk, second.pk])
    response = client.post(url, {"action": "cover"}, **HTMX)
    assert response.status_code == 200 and 'id="photos"' in response.text
    assert listing.images.order_by("position").first() == second
    added = client.post(
        reverse("listings:photo_add", args=[listing.pk]),
        {"photos": [upload(jpeg_with_gps(320, 240, 1))]},
        **HTMX,
    )
    assert added.status_code == 200
    listing.refresh_from_db()
    assert listing.image_count == 3
    client.post(reverse("listings:photo_change", args=[listing.pk, first.pk]), {"action": "delete"})
    listing.refresh_from_db()
    assert listing.image_count == 2
    client.force_login(UserFactory())
    assert client.post(url, {"action": "delete"}).status_code == 404
    assert listing.images.count() == 2


def test_my_ads_by_status_with_actions(client, seller, django_assert_num_queries):
    ads = ListingFactory.create_batch(3, seller=seller)
    ListingFactory(seller=seller, status="sold")
    ListingFactory()  # someone else's
    # session+user, count, page, covers, status counts, the header's badges
    with django_assert_num_queries(6):
        response = client.get(reverse("listings:my_ads"))
    assert len(response.context["page"].object_list) == 3
    assert response.context["counts"] == {
        "active": 3,
        "on_review": 0,
        "rejected": 0,
        "reserved": 0,
        "sold": 1,
        "expired": 0,
        "archived": 0,
        "blocked": 0,
    }
    client.post(reverse("listings:status", args=[ads[0].pk]), {"status": "sold"})
    ads[0].refresh_from_db()
    assert ads[0].status == "sold"
    response = client.get(reverse("listings:my_ads"), {"status": "sold"})
    assert len(response.context["page"].object_list) == 2


def test_status_change_of_someone_elses_ad_is_404(client, seller):
    other = ListingFactory()
    assert (
        client.post(reverse("listings:status", args=[other.pk]), {"status": "sold"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == "active"


def test_delete_asks_first_then_deletes(client, seller):
    listing = ListingFactory(seller=seller)
    page = client.get(reverse("listings:delete", args=[listing.pk]))
    assert page.status_code == 200 and listing.title in page.text
    client.post(reverse("listings:delete", args=[listing.pk]))
    assert not Listing.objects.filter(pk=listing.pk).exists()


def test_favourites_toggle_and_list(client, seller, django_assert_num_queries):
    listing = ListingFactory()
    response = client.post(reverse("listings:favorite", args=[listing.pk]), {"on": "1"}, **HTMX)
    assert response.status_code == 200 and 'aria-pressed="true"' in response.text
    assert Favorite.objects.filter(user=seller, listing=listing).exists()
    ListingFactory.create_batch(5)
    for other in Listing.objects.exclude(pk=listing.pk)[:3]:
        Favorite.objects.create(user=seller, listing=other)
    # session+user, count, page, covers, the header's badges
    with django_assert_num_queries(5):
        page = client.get(reverse("listings:favorites"))
    assert len(page.context["page"].object_list) == 4
    client.post(reverse("listings:favorite", args=[listing.pk]), {"on": "0"})
    assert not Favorite.objects.filter(user=seller, listing=listing).exists()


def test_seller_profile_lists_their_active_ads(client, django_assert_num_queries):
    listing = ListingFactory(title="Кресло-качалка деревянное")
    ListingFactory(seller=listing.seller, status="sold", title="Проданный шкаф")
    url = reverse("accounts:profile", args=[listing.seller.pk])
    with django_assert_num_queries(4):  # the person, the count, the page, the covers
        response = client.get(url)
    assert "Кресло-качалка деревянное" in response.text
    assert "Проданный шкаф" not in response.text
