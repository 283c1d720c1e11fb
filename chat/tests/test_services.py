from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from chat import services
from chat.errors import ConversationNotFound, FloodLimited, InvalidMessage
from chat.models import Conversation, Message

pytestmark = pytest.mark.django_db


def on_the_event_loop(*, conversation_id, sender, body, client_id="", participants=None):
    """amessage_send, as a socket calls it: with the participants it checked at connect."""
    if participants is None:
        chat = Conversation.objects.get(pk=conversation_id)
        participants = (chat.buyer_id, chat.seller_id)
    return async_to_sync(services.amessage_send)(
        conversation_id=conversation_id,
        sender=sender,
        body=body,
        client_id=client_id,
        participants=participants,
    )


@pytest.fixture(
    params=[
        "one statement",
        # Its own connection sees only what is committed: a transactional test.
        pytest.param("event loop", marks=pytest.mark.django_db(transaction=True)),
    ]
)
def send(request, monkeypatch):
    """message_send, the one statement through Django's connection, and amessage_send, the
    sockets' path on the event loop."""
    if request.param == "event loop":
        return on_the_event_loop
    return services.message_send


def test_a_message_is_saved_for_the_other_person_and_moves_the_conversation_up(people, send):
    chat = people["conversation"]
    Conversation.objects.filter(pk=chat.pk).update(
        last_message_at=timezone.now() - timedelta(days=3)
    )
    sent = send(conversation_id=chat.pk, sender=people["seller"], body="  Да, в наличии  ")
    saved = Message.objects.get()
    assert sent.created and sent.message.pk == saved.pk
    assert (saved.body, saved.recipient_id) == ("Да, в наличии", people["buyer"].pk)
    assert sent.message.created_at == saved.created_at
    chat.refresh_from_db()
    assert chat.last_message_at == saved.created_at


def test_a_resent_client_id_returns_the_saved_message(people, send):
    chat, buyer = people["conversation"], people["buyer"]
    first = send(conversation_id=chat.pk, sender=buyer, body="Раз", client_id="c-1")
    again = send(conversation_id=chat.pk, sender=buyer, body="Раз", client_id="c-1")
    assert (first.created, again.created) == (True, False)
    assert again.message.pk == first.message.pk and Message.objects.count() == 1


def test_flood_control_counts_the_last_window_of_the_senders_messages(people, send, settings):
    settings.CHAT_FLOOD_LIMIT, settings.CHAT_FLOOD_WINDOW_SECONDS = 3, 10
    chat, buyer = people["conversation"], people["buyer"]
    for n in range(3):
        send(conversation_id=chat.pk, sender=buyer, body=f"сообщение {n}")
    with pytest.raises(FloodLimited) as raised:
        send(conversation_id=chat.pk, sender=buyer, body="лишнее")
    assert raised.value.as_dict()["retry_after"] == 10
    # The other person is not limited by it.
    assert send(conversation_id=chat.pk, sender=people["seller"], body="Ответ").created
    # Messages older than the window no longer count.
    Message.objects.filter(sender=buyer).update(created_at=timezone.now() - timedelta(seconds=11))
    assert send(conversation_id=chat.pk, sender=buyer, body="Снова можно").created
    assert Message.objects.filter(sender=buyer).count() == 4


def test_only_the_two_people_can_send(people, send):
    chat = people["conversation"]
    with pytest.raises(ConversationNotFound):
        send(conversation_id=chat.pk, sender=people["stranger"], body="Привет")
    with pytest.raises(ConversationNotFound):
        send(
            conversation_id=chat.pk,
            sender=people["stranger"],
            body="Привет",
            participants=(chat.buyer_id, chat.seller_id),
        )
    assert not Message.objects.exists()


def test_a_resend_is_acknowledged_even_over_the_flood_limit(people, send, settings):
    settings.CHAT_FLOOD_LIMIT = 1
    chat, buyer = people["conversation"], people["buyer"]
    first = send(conversation_id=chat.pk, sender=buyer, body="Раз", client_id="c-1")
    again = send(conversation_id=chat.pk, sender=buyer, body="Раз", client_id="c-1")
    assert (again.created, again.message.pk) == (False, first.message.pk)
    with pytest.raises(FloodLimited):
        send(conversation_id=chat.pk, sender=buyer, body="Два", client_id="c-2")


def test_nul_characters_are_dropped_and_a_body_of_them_is_empty(people, send):
    chat, buyer = people["conversation"], people["buyer"]
    assert send(conversation_id=chat.pk, sender=buyer, body="При\x00вет").message.body == "Привет"
    with pytest.raises(InvalidMessage):
        send(conversation_id=chat.pk, sender=buyer, body=" \x00 ")
    assert list(Message.objects.values_list("body", flat=True)) == ["Привет"]
