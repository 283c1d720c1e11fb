import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from deals.models import SafeDeal
from deals.tests.conftest import DETAILS, delivery_for
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_buy_with_safe_deal_confirms_then_opens_the_deal(client):
    listing, buyer = ListingFactory(price=45_000), UserFactory()
    client.force_login(buyer)
    ad = client.get(listing.get_absolute_url())
    assert reverse("deals:start", args=[listing.pk]) in ad.text
    confirm = client.get(reverse("deals:start", args=[listing.pk]))
    assert "45\u00a0000\u00a0₸" in confirm.text
    assert not SafeDeal.objects.exists()  # nothing happens before the confirmation
    response = client.post(reverse("deals:start", args=[listing.pk]), delivery_for(listing))
    deal = SafeDeal.objects.get()
    assert response.url == reverse("deals:detail", args=[deal.pk])


def test_the_deal_page_shows_only_the_buttons_the_table_allows(client, deal):
    url = reverse("deals:detail", args=[deal.pk])
    client.force_login(deal.seller)
    page = client.get(url)
    assert [t for t, _ in page.context["actions"]] == ["SHIPPED", "CANCELLED", "DISPUTED"]
    client.force_login(deal.buyer)
    page = client.get(url)
    assert [t for t, _ in page.context["actions"]] == ["CANCELLED", "DISPUTED"]
    assert 'value="SHIPPED"' not in page.text
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_ship_confirm_and_review_through_the_pages(client, deal):
    client.force_login(deal.seller)
    client.post(reverse("deals:transition", args=[deal.pk]), {"status": "SHIPPED", **DETAILS})
    client.force_login(deal.buyer)
    response = client.post(
        reverse("deals:transition", args=[deal.pk]),
        {"status": "COMPLETED", "confirm": "1"},
        follow=True,
    )
    assert response.context["deal"].status == "COMPLETED"
    assert response.context["can_review"]
    client.post(reverse("deals:review", args=[deal.pk]), {"rating": "4", "text": "Хорошо"})
    deal.seller.refresh_from_db()
    assert deal.seller.rating_count == 1


def test_a_forbidden_move_on_the_page_shows_a_message(client, deal):
    client.force_login(deal.buyer)
    response = client.post(
        reverse("deals:transition", args=[deal.pk]), {"status": "COMPLETED"}, follow=True
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    deal.refresh_from_db()
    assert deal.status == "PENDING"


def test_my_deals_tabs(client, deal, django_assert_num_queries):
    client.force_login(deal.buyer)
    with django_assert_num_queries(4):  # session+user, count, page, the header's badges
        buying = client.get(reverse("deals:mine"))
    assert len(buying.context["page"].object_list) == 1
    selling = client.get(reverse("deals:mine"), {"tab": "selling"})
    assert len(selling.context["page"].object_list) == 0


def test_moderators_resolve_disputes_in_the_admin_with_a_note(client, deal, moderator):
    from deals import services

    services.deal_transition(deal_id=deal.pk, target="DISPUTED", actor=deal.buyer, reason="Брак")
    moderator.is_superuser = True
    moderator.save()
    client.force_login(moderator)
    changelist = reverse("admin:deals_safedeal_changelist")
    assert str(deal.pk) in client.get(changelist, {"queue": "disputes"}).text
    asks = client.post(changelist, {"action": "resolve_cancelled", "_selected_action": [deal.pk]})
    assert asks.status_code == 200 and "note" in asks.text  # the note is asked for first
    deal.refresh_from_db()
    assert deal.status == "DISPUTED"
    client.post(
        changelist,
        {
            "action": "resolve_cancelled",
            "_selected_action": [deal.pk],
            "note": "Товар с браком, возврат",
        },
    )
    deal.refresh_from_db()
    assert deal.status == "CANCELLED" and deal.resolution_note == "Товар с браком, возврат"
    assert list(deal.ledger.values_list("kind", flat=True)) == ["HOLD", "REFUND"]
    assert client.get(reverse("admin:deals_safedeal_change", args=[deal.pk])).status_code == 200


def test_reviews_are_listed_on_the_profile(client, deal, django_assert_num_queries):
    from deals import services

    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    services.deal_transition(deal_id=deal.pk, target="COMPLETED", actor=deal.buyer)
    services.review_leave(deal_id=deal.pk, author=deal.buyer, rating=4, text="Всё честно <b>")
    url = reverse("accounts:profile", args=[deal.seller.pk])
    with django_assert_num_queries(3):  # the person, the ads count (none active), the reviews
        page = client.get(url)
    assert "Всё честно &lt;b&gt;" in page.text and deal.buyer.name in page.text
    assert "4,0" in page.text or "4.0" in page.text


@pytest.mark.parametrize("amount", ["1\x00", "сто", ""])
def test_a_price_that_cannot_be_read_starts_no_deal(client, amount):
    listing, buyer = ListingFactory(price=7_000), UserFactory()
    client.force_login(buyer)
    response = client.post(
        reverse("deals:start", args=[listing.pk]), {"amount": amount}, follow=True
    )
    assert response.status_code == 200 and not SafeDeal.objects.exists()
    assert "Не удалось прочитать цену" in response.text  # the site's language: Russian
