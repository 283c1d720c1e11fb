"""What the chat tells the sockets, after the database has it. Group names and payloads live
here so that services, consumers and tests agree on them."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from chat.models import Message


def conversation_group(conversation_id: int) -> str:
    return f"chat.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def message_payload(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": message.sender_id,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
    }


def _send(group: str, event: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, event)


def announce_message(message: Message, unread_for_recipient: int) -> None:
    payload = message_payload(message)
    _send(conversation_group(message.conversation_id), {"type": "chat.message", "message": payload})
    _send(
        user_group(message.recipient_id),
        {"type": "user.unread", "count": unread_for_recipient, "message": payload},
    )
    _send(user_group(message.sender_id), {"type": "user.activity", "message": payload})


def announce_read(conversation_id: int, reader_id: int, up_to: int, unread_left: int) -> None:
    _send(
        conversation_group(conversation_id),
        {"type": "chat.read", "user": reader_id, "up_to": up_to},
    )
    _send(user_group(reader_id), {"type": "user.unread", "count": unread_left, "message": None})
