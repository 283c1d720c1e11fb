from rest_framework import serializers

from chat.models import Conversation, Message


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.IntegerField(source="sender_id")
    conversation = serializers.IntegerField(source="conversation_id")

    class Meta:
        model = Message
        fields = ["id", "conversation", "sender", "body", "created_at", "read_at", "client_id"]


class ConversationSerializer(serializers.ModelSerializer):
    listing = serializers.SerializerMethodField()
    buyer = PersonSerializer()
    seller = PersonSerializer()
    other = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "listing",
            "buyer",
            "seller",
            "other",
            "last_message",
            "unread",
            "last_message_at",
            "created_at",
        ]

    def get_listing(self, conversation: Conversation) -> dict:
        listing = conversation.listing
        covers = getattr(listing, "covers", None)
        cover = covers[0].thumbnail.url if covers else None
        request = self.context.get("request")
        if cover and request:
            cover = request.build_absolute_uri(cover)
        return {"id": listing.pk, "title": listing.title, "price": listing.price, "cover": cover}

    def get_other(self, conversation: Conversation) -> dict:
        other = conversation.other(self.context["request"].user)
        return {"id": other.pk, "name": other.name}

    def get_last_message(self, conversation: Conversation) -> dict | None:
        body = getattr(conversation, "last_body", None)
        if body is None:
            return None
        return {"body": body, "sender": conversation.last_sender_id}

    def get_unread(self, conversation: Conversation) -> int:
        return getattr(conversation, "unread", None) or 0


class SendSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000, trim_whitespace=False, allow_blank=True)
    client_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
