import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from chat import services
from listings.tests.factories import ListingFactory

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture
def people(db):
    seller, buyer, stranger = UserFactory(), UserFactory(), UserFactory()
    listing = ListingFactory(seller=seller)
    conversation, _ = services.conversation_start(listing=listing, buyer=buyer)
    return {
        "seller": seller,
        "buyer": buyer,
        "stranger": stranger,
        "listing": listing,
        "conversation": conversation,
    }


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def token_for(user) -> str:
    return str(AccessToken.for_user(user))
