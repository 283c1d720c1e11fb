"""Issue 13's Safe Deal: delivery details, the confirmed release, dispute photos, plain words,
errors under their fields, and the admin's money and events in words."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from PIL import Image

from accounts.tests.factories import UserFactory
from accounts.tests.images import jpeg_with_gps, upload
from chat.models import Conversation, Message
from deals import services
from deals.models import DisputePhoto, SafeDeal
from deals.tests.conftest import DETAILS, delivery_for
from listings.models import City
from listings.tests.factories import ListingFactory
from zattar.testing import api_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/safe-deals"


def start_url(listing) -> str:
    return reverse("deals:start", args=[listing.pk])


def other_city() -> City:
    return City.objects.exclude(slug="almaty").first()


def shipped(deal) -> SafeDeal:
    return services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)


# --- Delivery details ---------------------------------------------------------------------


def test_the_start_page_asks_where_to_ship_and_keeps_it_on_the_deal(client):
    listing, buyer = ListingFactory(price=45_000), UserFactory()
    client.force_login(buyer)
    page = client.get(start_url(listing))
    for name in ("recipient_name", "phone", "city", "address", "pickup_point", "carrier"):
        assert f'name="{name}"' in page.text
    assert 'value="in_person"' in page.text and 'value="cdek"' in page.text
    response = client.post(start_url(listing), {"amount": 45_000, **delivery_for(listing)})
    deal = SafeDeal.objects.get()
    assert response.url == reverse("deals:detail", args=[deal.pk])
    assert (deal.delivery_recipient, deal.delivery_phone) == ("Айгерим Нурланова", "+77011234567")
    assert (deal.delivery_city.slug, deal.delivery_carrier) == ("almaty", "kazpost")
    assert deal.delivery_address == "ул. Абая, 10, кв. 5"


def test_a_start_without_delivery_details_says_what_is_missing_under_each_field(client):
    listing = ListingFactory(price=45_000)
    client.force_login(UserFactory())
    response = client.post(start_url(listing), {"amount": 45_000})
    assert response.status_code == 400 and not SafeDeal.objects.exists()
    form = response.context["form"]
    assert set(form.errors) == {"recipient_name", "phone", "city", "carrier"}
    assert 'id="id_phone_error"' in response.text and 'id="id_carrier_error"' in response.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+7 727 250 00 00"}, "phone"),  # an Almaty landline: no SMS, no carrier's call
        ({"address": "", "pickup_point": ""}, "address"),
        ({"carrier": "ufo"}, "carrier"),
        ({"city": "atlantis"}, "city"),
        ({"recipient_name": "   "}, "recipient_name"),
        ({"recipient_name": "A\x00B"}, "recipient_name"),
        ({"address": "x" * 5000}, "address"),
    ],
)
def test_wrong_delivery_details_are_refused_under_their_field(client, changes, field):
    listing = ListingFactory(price=45_000)
    client.force_login(UserFactory())
    response = client.post(
        start_url(listing), {"amount": 45_000, **delivery_for(listing, **changes)}
    )
    assert response.status_code == 400 and not SafeDeal.objects.exists()
    assert field in response.context["form"].errors


def test_a_pick_up_point_is_enough_and_in_person_needs_no_address_in_the_ads_city(client):
    listing = ListingFactory(price=45_000)
    client.force_login(UserFactory())
    by_point = delivery_for(listing, address="", pickup_point="CDEK, Абая 150", carrier="cdek")
    assert client.post(start_url(listing), by_point).status_code == 302
    other = ListingFactory(price=10_000)
    in_person = delivery_for(other, address="", carrier="in_person")
    assert client.post(start_url(other), in_person).status_code == 302
    assert SafeDeal.objects.filter(delivery_carrier="in_person").exists()


def test_in_person_is_refused_for_another_city(client):
    listing = ListingFactory(price=45_000)
    client.force_login(UserFactory())
    details = delivery_for(listing, city=other_city().slug, carrier="in_person")
    response = client.post(start_url(listing), details)
    assert response.status_code == 400 and "carrier" in response.context["form"].errors
    response = api_for(UserFactory()).post(
        BASE, {"listing_id": listing.pk, "delivery": details}, format="json"
    )
    assert response.status_code == 400 and "carrier" in response.json()["delivery"]
    assert not SafeDeal.objects.exists()


def test_the_buyers_last_details_are_offered_next_time(client):
    buyer = UserFactory()
    first, second = ListingFactory(price=1_000), ListingFactory(price=2_000)
    client.force_login(buyer)
    details = delivery_for(first, recipient_name="Ержан Сапаров", pickup_point="Постамат 42")
    client.post(start_url(first), details)
    page = client.get(start_url(second))
    assert 'value="Ержан Сапаров"' in page.text and 'value="Постамат 42"' in page.text
    assert 'value="+77011234567"' in page.text
    assert page.context["form"].initial["carrier"] == "kazpost"


def test_delivery_is_shown_to_the_two_people_and_moderators_only(client, moderator):
    listing = ListingFactory(price=45_000)
    buyer = UserFactory()
    client.force_login(buyer)
    client.post(start_url(listing), delivery_for(listing, address="ул. Сейфуллина, 7"))
    deal = SafeDeal.objects.get()
    url = reverse("deals:detail", args=[deal.pk])
    for person in (buyer, listing.seller, moderator):
        client.force_login(person)
        page = client.get(url)
        assert "ул. Сейфуллина, 7" in page.text and "+77011234567" in page.text
        api = api_for(person).get(f"{BASE}/{deal.pk}").json()
        assert api["delivery"]["address"] == "ул. Сейфуллина, 7"
        assert api["delivery"]["carrier"] == "kazpost" and api["delivery"]["city"] == "almaty"
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    response = api_for(stranger).get(f"{BASE}/{deal.pk}")
    assert response.status_code == 404 and "Сейфуллина" not in response.text
    assert api_for(stranger).get(f"{BASE}/buyer/deals").json()["results"] == []


def test_the_api_starts_a_deal_with_delivery_details():
    listing = ListingFactory(price=30_000)
    body = {"listing_id": listing.pk, "delivery": delivery_for(listing, city=listing.city.pk)}
    response = api_for(UserFactory()).post(BASE, body, format="json")
    assert response.status_code == 201
    assert response.json()["delivery"] == {
        "recipient_name": "Айгерим Нурланова",
        "phone": "+77011234567",
        "city": "almaty",
        "address": "ул. Абая, 10, кв. 5",
        "pickup_point": "",
        "carrier": "kazpost",
    }


@pytest.mark.parametrize(
    ("delivery", "where"),
    [
        (None, "delivery"),
        ("Алматы", "delivery"),
        ([1, 2], "delivery"),
        ({"phone": 87011234567}, "phone"),
        ({"recipient_name": ["x"]}, "recipient_name"),
        ({"city": {"slug": "almaty"}}, "city"),
        ({"city": True}, "city"),
        ({"carrier": 1}, "carrier"),
        ({"recipient_name": "\x00"}, "recipient_name"),
        ({"address": "\x00"}, "address"),
        ({"pickup_point": "п" * 100_000, "address": ""}, "pickup_point"),
        ({"phone": ""}, "phone"),
        ({"phone": "+1 202 555 0100"}, "phone"),
        ({"city": "9" * 40}, "city"),
        ({"city": "almaty\x00"}, "city"),
        ({"carrier": "kazpost", "address": "", "pickup_point": ""}, "address"),
    ],
)
def test_the_api_refuses_bad_delivery_with_an_error_per_field(delivery, where):
    listing = ListingFactory(price=30_000)
    if isinstance(delivery, dict):
        delivery = delivery_for(listing, **delivery)
    body = {"listing_id": listing.pk}
    if delivery is not None:
        body["delivery"] = delivery
    response = api_for(UserFactory()).post(BASE, body, format="json")
    assert response.status_code == 400, response.content[:300]
    errors = response.json()
    if where == "delivery":
        assert "delivery" in errors
    else:
        assert where in errors["delivery"], errors
    assert not SafeDeal.objects.exists()


def test_a_missing_delivery_field_is_named_in_the_api_error():
    listing = ListingFactory(price=30_000)
    details = delivery_for(listing)
    del details["phone"], details["recipient_name"]
    response = api_for(UserFactory()).post(
        BASE, {"listing_id": listing.pk, "delivery": details}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["delivery"]) == {"phone", "recipient_name"}


# --- Releasing the money asks first ---------------------------------------------------------


def test_release_without_confirmation_asks_on_a_page_and_changes_nothing(client, deal):
    shipped(deal)
    client.force_login(deal.buyer)
    url = reverse("deals:transition", args=[deal.pk])
    asks = client.post(url, {"status": "COMPLETED"})
    assert asks.status_code == 200
    assert 'name="confirm" value="1"' in asks.text
    deal.refresh_from_db()
    assert deal.status == "SHIPPED" and list(deal.ledger.values_list("kind", flat=True)) == ["HOLD"]
    assert client.post(url, {"status": "COMPLETED", "confirm": "0"}).status_code == 200
    deal.refresh_from_db()
    assert deal.status == "SHIPPED"
    client.post(url, {"status": "COMPLETED", "confirm": "1"})
    deal.refresh_from_db()
    assert deal.status == "COMPLETED"


def test_the_deal_page_has_the_release_dialog_for_the_buyer_only(client, deal):
    shipped(deal)
    url = reverse("deals:detail", args=[deal.pk])
    client.force_login(deal.buyer)
    page = client.get(url)
    assert '<dialog class="deal-dialog" id="release-dialog"' in page.text
    assert "data-release-open" in page.text
    client.force_login(deal.seller)
    assert "release-dialog" not in client.get(url).text


# --- Errors under their fields, in words -----------------------------------------------------


def test_a_ship_without_details_shows_errors_under_the_fields_not_field_names(client, deal):
    client.force_login(deal.seller)
    response = client.post(reverse("deals:transition", args=[deal.pk]), {"status": "SHIPPED"})
    assert response.status_code == 400
    assert "carrier, tracking_number" not in response.text
    assert 'id="id_carrier_error"' in response.text
    assert 'id="id_tracking_number_error"' in response.text
    deal.refresh_from_db()
    assert deal.status == "PENDING"


def test_the_api_names_missing_details_in_words(deal):
    with translation.override("en"):
        response = api_for(deal.seller).post(
            f"{BASE}/{deal.pk}/transition", {"status": "SHIPPED"}, format="json"
        )
    body = response.json()
    assert response.status_code == 400 and body["fields"] == ["carrier", "tracking_number"]
    assert "tracking_number" not in body["detail"]


# --- Dispute photos --------------------------------------------------------------------------


def jpeg(colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def dispute_with_photos(client, deal, count: int):
    client.force_login(deal.buyer)
    return client.post(
        reverse("deals:transition", args=[deal.pk]),
        {
            "status": "DISPUTED",
            "reason": "Пришёл разбитым",
            "photos": [upload(jpeg_with_gps(), f"p{n}.jpg") for n in range(count)],
        },
    )


def test_a_dispute_carries_photos_re_encoded_without_exif(client, deal):
    response = dispute_with_photos(client, deal, 2)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "DISPUTED"
    photos = list(deal.dispute_photos.all())
    assert len(photos) == 2
    for photo in photos:
        data = photo.large.read()
        assert b"Exif" not in data and b"PhoneMaker" not in data
        assert Image.open(io.BytesIO(data)).size == (800, 1200)  # turned upright
    page = client.get(reverse("deals:detail", args=[deal.pk]))
    image_url = reverse("deals:dispute_photo", args=[deal.pk, photos[0].pk, "thumbnail"])
    assert image_url in page.text


def test_a_sixth_dispute_photo_is_refused_with_a_clear_error(client, deal):
    dispute_with_photos(client, deal, 4)
    add = reverse("deals:dispute_photos", args=[deal.pk])
    client.post(add, {"photos": [upload(jpeg(), "five.jpg")]})
    assert DisputePhoto.objects.count() == 5
    client.force_login(deal.seller)
    response = client.post(add, {"photos": [upload(jpeg(), "six.jpg")]}, follow=True)
    assert DisputePhoto.objects.count() == 5
    assert any("5" in str(message) for message in response.context["messages"])
    response = api_for(deal.seller).post(
        f"{BASE}/{deal.pk}/dispute-photos", {"photos": [upload(jpeg(), "six.jpg")]}
    )
    assert response.status_code == 400 and response.json()["code"] == "too_many_photos"
    assert DisputePhoto.objects.count() == 5


def test_six_photos_at_once_open_no_dispute(client, deal):
    response = dispute_with_photos(client, deal, 6)
    assert response.status_code == 400 and 'id="id_photos_error"' in response.text
    deal.refresh_from_db()
    assert deal.status == "PENDING" and not DisputePhoto.objects.exists()


def test_a_file_that_is_not_a_picture_opens_no_dispute(client, deal):
    client.force_login(deal.buyer)
    response = client.post(
        reverse("deals:transition", args=[deal.pk]),
        {"status": "DISPUTED", "reason": "Брак", "photos": [upload(b"%PDF-1.4 nope", "a.jpg")]},
    )
    assert response.status_code == 400 and "photos" in response.context["actions"][-1][1].errors
    deal.refresh_from_db()
    assert deal.status == "PENDING"


def test_dispute_photos_over_the_api_and_who_sees_them(deal, moderator):
    services.deal_transition(deal_id=deal.pk, target="DISPUTED", actor=deal.buyer, reason="Брак")
    url = f"{BASE}/{deal.pk}/dispute-photos"
    stranger = UserFactory()
    assert api_for(stranger).post(url, {"photos": [upload(jpeg())]}).status_code == 404
    assert api_for(deal.buyer).post(url, {}).status_code == 400
    bad = api_for(deal.buyer).post(url, {"photos": [upload(b"\x00" * 100, "x.jpg")]})
    assert bad.status_code == 400 and "photos" in bad.json()
    added = api_for(deal.buyer).post(url, {"photos": [upload(jpeg())]})
    assert added.status_code == 200
    [photo] = added.json()["dispute_photos"]
    for person in (deal.buyer, deal.seller, moderator):
        response = api_for(person).get(photo["large"])
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert api_for(stranger).get(photo["large"]).status_code == 404
    assert api_for(stranger).get(photo["thumbnail"]).status_code == 404


def test_photos_cannot_be_added_to_a_deal_not_under_dispute(deal):
    response = api_for(deal.buyer).post(
        f"{BASE}/{deal.pk}/dispute-photos", {"photos": [upload(jpeg())]}
    )
    assert response.status_code == 409 and not DisputePhoto.objects.exists()


def test_the_admin_dispute_screen_shows_photos_beside_the_conversation_and_the_ad(
    client, deal, moderator
):
    conversation = Conversation.objects.create(
        listing=deal.listing, buyer=deal.buyer, seller=deal.seller
    )
    Message.objects.create(
        conversation=conversation,
        sender=deal.buyer,
        recipient=deal.seller,
        body="Отправьте, пожалуйста, Казпочтой",
    )
    dispute_with_photos(client, deal, 2)
    moderator.user_permissions.add(*Permission.objects.filter(codename__in=["view_safedeal"]))
    client.force_login(moderator)
    page = client.get(reverse("admin:deals_safedeal_change", args=[deal.pk]))
    assert page.status_code == 200
    assert "Отправьте, пожалуйста, Казпочтой" in page.text
    assert deal.listing.title in page.text
    for photo in deal.dispute_photos.all():
        assert reverse("deals:dispute_photo", args=[deal.pk, photo.pk, "thumbnail"]) in page.text
        assert (
            client.get(
                reverse("deals:dispute_photo", args=[deal.pk, photo.pk, "large"])
            ).status_code
            == 200
        )


# --- Plain words and Zattar's admin -----------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_escrow_jargon_on_the_deal_pages(client, deal, language):
    shipped(deal)
    client.force_login(deal.buyer)
    headers = {"Accept-Language": language}
    listing = ListingFactory(price=5_000)
    for url in (reverse("deals:detail", args=[deal.pk]), start_url(listing)):
        text = client.get(url, headers=headers).text.lower()
        assert "escrow" not in text and "эскроу" not in text, url


def test_the_admin_is_zattars_with_amounts_in_tenge_and_events_in_words(client, deal):
    admin = UserFactory(is_staff=True, is_superuser=True)
    big = ListingFactory(price=1_234_567, title="Дорогой велосипед")
    client.force_login(admin)
    index = client.get(reverse("admin:index"))
    assert "<title>" in index.text and "Zattar" in index.text.split("</title>")[0]
    assert "Django" not in index.text.split("</title>")[0]
    deals = client.get(reverse("admin:deals_safedeal_changelist"))
    assert "120\u00a0000\u00a0₸" in deals.text
    ads = client.get(reverse("admin:listings_listing_changelist"), {"q": big.title})
    assert "1\u00a0234\u00a0567\u00a0₸" in ads.text
    change = client.get(reverse("admin:deals_safedeal_change", args=[deal.pk]))
    event = deal.events.get()
    with translation.override("ru"):
        words = event.in_words
    assert words in change.text
    assert "PENDING" not in change.text.split('id="events-group"')[-1].split("</table>")[0]
