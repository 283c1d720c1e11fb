from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.models import DealEvent, EscrowEntry, SafeDeal
from deals.transitions import Status
from zattar import fields


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", allow_null=True)

    class Meta:
        model = DealEvent
        fields = ["source", "target", "actor", "role", "note", "created_at"]


class LedgerSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscrowEntry
        fields = ["kind", "amount", "state", "reference", "created_at", "settled_at"]


class DealListingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class DealSerializer(serializers.ModelSerializer):
    listing = serializers.SerializerMethodField()
    buyer = serializers.IntegerField(source="buyer_id")
    seller = serializers.IntegerField(source="seller_id")

    class Meta:
        model = SafeDeal
        fields = [
            "id",
            "listing",
            "buyer",
            "seller",
            "amount",
            "status",
            "tracking_number",
            "carrier",
            "ship_by",
            "confirm_by",
            "dispute_reason",
            "cancel_reason",
            "resolution_note",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    @extend_schema_field(DealListingSerializer)
    def get_listing(self, deal: SafeDeal) -> dict:
        return {"id": deal.listing_id, "title": deal.listing.title}


class DealDetailSerializer(DealSerializer):
    events = EventSerializer(many=True, read_only=True)
    ledger = LedgerSerializer(many=True, read_only=True)
    allowed_transitions = serializers.ListField(child=serializers.CharField())

    class Meta(DealSerializer.Meta):
        fields = [*DealSerializer.Meta.fields, "events", "ledger", "allowed_transitions"]


class StartSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField()
    amount = serializers.IntegerField(
        required=False, help_text="The price the buyer saw; a different current price is 409."
    )


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    tracking_number = fields.CharField(max_length=64, required=False, allow_blank=True)
    carrier = fields.CharField(max_length=64, required=False, allow_blank=True)
    reason = fields.CharField(max_length=1000, required=False, allow_blank=True)
    note = fields.CharField(max_length=1000, required=False, allow_blank=True)


class ReviewSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = fields.CharField(max_length=1000, required=False, allow_blank=True)


class ReviewOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rating = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)
