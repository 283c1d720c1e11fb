from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chat.models import Conversation, FraudWarning, Message, UserBlock
from zattar import fields


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.IntegerField(
        source="sender_id", allow_null=True, help_text="None for a note from Zattar."
    )
    conversation = serializers.IntegerField(source="conversation_id")
    warning = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "sender",
            "body",
            "created_at",
            "read_at",
            "client_id",
            "warning",
        ]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=FraudWarning.choices,
            allow_null=True,
            help_text="What the message carries that scams do (the strongest); None: nothing.",
        )
    )
    def get_warning(self, message: Message) -> str | None:
        return message.warning or None


class MessagePageSerializer(serializers.Serializer):
    """Up to 50 messages, oldest to newest, with links to the ones before and after."""

    results = MessageSerializer(many=True)
    previous = serializers.URLField(allow_null=True)
    next = serializers.URLField(allow_null=True)


class ListingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    price = serializers.IntegerField()
    cover = serializers.URLField(allow_null=True)


class LastMessageSerializer(serializers.Serializer):
    body = serializers.CharField()
    sender = serializers.IntegerField(allow_null=True)


class ConversationSerializer(serializers.ModelSerializer):
    listing = serializers.SerializerMethodField()
    buyer = PersonSerializer()
    seller = PersonSerializer()
    other = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()
    blocked = serializers.SerializerMethodField(
        help_text="One of the two blocked the other: no new messages; history stays readable."
    )
    blocked_by_me = serializers.SerializerMethodField()
    blocked_by_other = serializers.SerializerMethodField()

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
            "blocked",
            "blocked_by_me",
            "blocked_by_other",
            "last_message_at",
            "created_at",
        ]

    def get_blocked(self, conversation: Conversation) -> bool:
        return self.get_blocked_by_me(conversation) or self.get_blocked_by_other(conversation)

    def get_blocked_by_me(self, conversation: Conversation) -> bool:
        return bool(getattr(conversation, "blocked_by_me", False))

    def get_blocked_by_other(self, conversation: Conversation) -> bool:
        return bool(getattr(conversation, "blocked_me", False))

    @extend_schema_field(ListingRefSerializer)
    def get_listing(self, conversation: Conversation) -> dict:
        listing = conversation.listing
        covers = getattr(listing, "covers", None)
        cover = covers[0].thumbnail.url if covers else None
        request = self.context.get("request")
        if cover and request:
            cover = request.build_absolute_uri(cover)
        return {"id": listing.pk, "title": listing.title, "price": listing.price, "cover": cover}

    @extend_schema_field(PersonSerializer)
    def get_other(self, conversation: Conversation) -> dict:
        other = conversation.other(self.context["request"].user)
        return {"id": other.pk, "name": other.name}

    @extend_schema_field(LastMessageSerializer(allow_null=True))
    def get_last_message(self, conversation: Conversation) -> dict | None:
        body = getattr(conversation, "last_body", None)
        if body is None:
            return None
        return {"body": body, "sender": conversation.last_sender_id}

    def get_unread(self, conversation: Conversation) -> int:
        return getattr(conversation, "unread", None) or 0


class SendSerializer(serializers.Serializer):
    body = fields.CharField(max_length=4000, trim_whitespace=False, allow_blank=True)
    client_id = fields.CharField(max_length=64, required=False, allow_blank=True)


class BlockSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = UserBlock
        fields = ["user", "created_at"]

    @extend_schema_field(PersonSerializer)
    def get_user(self, block: UserBlock) -> dict:
        return {"id": block.blocked.pk, "name": block.blocked.name}
