import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.tests.factories import UserFactory
from chat import services
from chat.models import Conversation
from listings.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_write_to_seller_opens_and_reopens_the_conversation(client):
    listing = ListingFactory()
    buyer = UserFactory()
    client.force_login(buyer)
    page = client.get(listing.get_absolute_url())
    assert reverse("chat:start", args=[listing.pk]) in page.text
    first = client.post(reverse("chat:start", args=[listing.pk]))
    second = client.post(reverse("chat:start", args=[listing.pk]))
    conversation = Conversation.objects.get()
    assert first.url == second.url == reverse("chat:conversation", args=[conversation.pk])


def test_write_to_seller_requires_login_and_not_ones_own_ad(client):
    listing = ListingFactory()
    response = client.post(reverse("chat:start", args=[listing.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(listing.seller)
    response = client.post(reverse("chat:start", args=[listing.pk]), follow=True)
    assert not Conversation.objects.exists()
    from django.utils import translation

    with translation.override("ru"):
        expected = translation.gettext("This is your own ad.")
    assert [str(m) for m in response.context["messages"]] == [expected]


def test_conversation_page_for_participants_only_and_escapes_text(client, people):
    chat = people["conversation"]
    services.message_send(
        conversation_id=chat.pk,
        sender=people["buyer"],
        body="<script>alert(1)</script> http://x.kz",
    )
    client.force_login(people["seller"])
    page = client.get(reverse("chat:conversation", args=[chat.pk]))
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text and 'href="http://x.kz' not in page.text
    client.force_login(people["stranger"])
    assert client.get(reverse("chat:conversation", args=[chat.pk])).status_code == 404
    assert client.post(reverse("chat:send", args=[chat.pk]), {"body": "x"}).status_code == 404


def test_the_composer_works_without_javascript(client, people):
    chat = people["conversation"]
    client.force_login(people["buyer"])
    response = client.post(reverse("chat:send", args=[chat.pk]), {"body": "Без JavaScript"})
    assert response.status_code == 302
    page = client.get(response.url)
    assert "Без JavaScript" in page.text


def test_inbox_and_header_badge_with_constant_queries(client, people, django_assert_num_queries):
    chat = people["conversation"]
    for n in range(3):
        services.message_send(conversation_id=chat.pk, sender=people["buyer"], body=f"м{n}")
    for _ in range(4):
        c, _ = services.conversation_start(
            listing=ListingFactory(seller=people["seller"]), buyer=UserFactory()
        )
        services.message_send(conversation_id=c.pk, sender=c.buyer, body="Здравствуйте")
    client.force_login(people["seller"])
    # session+user, count, page with annotations, covers, the header's two badges
    with django_assert_num_queries(5):
        page = client.get(reverse("chat:inbox"))
    assert page.context["chat_unread"] == 7
    assert 'class="badge js-unread"' in page.text
    partial = client.get(reverse("chat:inbox"), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.text and 'id="inbox"' in partial.text


def test_older_messages_load_as_a_fragment(client, people, settings):
    settings.CHAT_FLOOD_LIMIT = 1000
    chat = people["conversation"]
    ids = [
        services.message_send(
            conversation_id=chat.pk, sender=people["buyer"], body=f"n{n}"
        ).message.pk
        for n in range(55)
    ]
    client.force_login(people["seller"])
    page = client.get(reverse("chat:conversation", args=[chat.pk]))
    assert f"?before={ids[5]}" in page.text
    older = client.get(reverse("chat:conversation", args=[chat.pk]), {"before": ids[5]})
    assert "<html" not in older.text and older.text.count('class="bubble ') == 5


def test_moderators_read_conversations_in_the_admin_and_change_nothing(client, people):
    chat = people["conversation"]
    services.message_send(conversation_id=chat.pk, sender=people["buyer"], body="Жалоба: спам")
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_conversation", "view_message"])
    )
    client.force_login(moderator)
    page = client.get(reverse("admin:chat_conversation_change", args=[chat.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Жалоба: спам" in html and 'name="_save"' not in html
    assert client.get(reverse("admin:chat_message_add")).status_code == 403
