import pytest
from django.contrib.auth.models import Permission

from accounts.tests.factories import UserFactory
from deals import services
from listings.tests.factories import ListingFactory


@pytest.fixture
def moderator(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="moderate_safedeal"))
    return user


@pytest.fixture
def deal(db):
    """A fresh PENDING deal: the buyer has paid into escrow for a 120 000 ₸ ad."""
    listing = ListingFactory(price=120_000)
    return services.deal_start(listing_id=listing.pk, buyer=UserFactory())


DETAILS = {
    "tracking_number": "KZ123456789",
    "carrier": "Kazpost",
    "reason": "Причина",
    "note": "Решение модератора",
}


def delivery_for(listing, **changes) -> dict:
    """Delivery details a buyer gives when starting a deal for `listing` (the API's shape)."""
    return {
        "recipient_name": "Айгерим Нурланова",
        "phone": "+7 701 123 45 67",
        "city": listing.city.slug,
        "address": "ул. Абая, 10, кв. 5",
        "pickup_point": "",
        "carrier": "kazpost",
        **changes,
    }
