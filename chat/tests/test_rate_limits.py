"""Rate limits on starting conversations and on sending messages over HTTP (issue 9, section 3)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from chat.models import Conversation, Message
from listings.tests.factories import ListingFactory
from zattar.testing import api_for, rate_limits

pytestmark = pytest.mark.django_db
BASE = "/api/v1/chat/conversations"


def api_as(user, address: str = "203.0.113.10"):
    return api_for(user, address=address)


def test_conversation_starts_are_limited_per_user_on_the_api_and_the_site(client, settings):
    rate_limits(settings, conversation_start={"user": "2/h"})
    buyer = UserFactory()
    ads = ListingFactory.create_batch(3)
    api = api_as(buyer)
    codes = [api.post(f"{BASE}/{ad.pk}/{ad.seller_id}").status_code for ad in ads[:2]]
    assert codes == [201, 201]
    refused = api.post(f"{BASE}/{ads[2].pk}/{ads[2].seller_id}")
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"detail", "code", "retry_after"} and body["code"] == "throttled"
    client.force_login(buyer)
    page = client.post(reverse("chat:start", args=[ads[2].pk]))
    assert page.status_code == 429 and "Слишком много запросов" in page.text
    assert Conversation.objects.count() == 2


def test_sixty_one_http_messages_in_ten_minutes_are_one_too_many(people, settings):
    settings.CHAT_FLOOD_LIMIT = 1000  # the per-conversation flood rule is not what is tested
    chat = people["conversation"]
    api = api_as(people["buyer"])
    codes = [
        api.post(f"{BASE}/{chat.pk}/messages", {"body": f"№{n}"}).status_code for n in range(61)
    ]
    assert codes == [201] * 60 + [429]
    assert Message.objects.filter(sender=people["buyer"]).count() == 60


def test_the_composer_form_shares_the_message_limit(client, people, settings):
    rate_limits(settings, message_send={"user": "2/10m"})
    chat = people["conversation"]
    api_as(people["buyer"]).post(f"{BASE}/{chat.pk}/messages", {"body": "Раз"})
    client.force_login(people["buyer"])
    send = reverse("chat:send", args=[chat.pk])
    assert client.post(send, {"body": "Два"}).status_code == 302
    refused = client.post(send, {"body": "Три"})
    assert refused.status_code == 429 and "Слишком много запросов" in refused.text
    assert int(refused["Retry-After"]) > 0
    as_json = client.post(send, {"body": "Три"}, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 429 and as_json.json()["code"] == "throttled"
    assert Message.objects.count() == 2
    # The other person is not affected.
    other = api_as(people["seller"]).post(f"{BASE}/{chat.pk}/messages", {"body": "Ответ"})
    assert other.status_code == 201
