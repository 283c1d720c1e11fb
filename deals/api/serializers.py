from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.forms import DELIVERY_FIELDS, DeliveryForm
from deals.models import Carrier, DealEvent, EscrowEntry, SafeDeal
from deals.transitions import Status
from listings.models import Listing
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


class DeliveryInSerializer(serializers.Serializer):
    """Where the seller ships (the schema; DeliveryForm validates, as on the start page)."""

    recipient_name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=32, help_text="A Kazakhstan mobile number.")
    city = serializers.CharField(help_text="The city's slug or id.")
    carrier = serializers.ChoiceField(
        choices=Carrier.choices, help_text="`in_person` only where the city is the ad's city."
    )
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    pickup_point = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DeliveryOutSerializer(serializers.Serializer):
    recipient_name = serializers.CharField(source="delivery_recipient")
    phone = serializers.CharField(source="delivery_phone")
    city = serializers.CharField(source="delivery_city.slug", read_only=True, allow_null=True)
    address = serializers.CharField(source="delivery_address")
    pickup_point = serializers.CharField(source="delivery_pickup_point")
    carrier = serializers.CharField(source="delivery_carrier")


class DisputePhotoOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    thumbnail = serializers.CharField()
    large = serializers.CharField()


class DealDetailSerializer(DealSerializer):
    events = EventSerializer(many=True, read_only=True)
    ledger = LedgerSerializer(many=True, read_only=True)
    allowed_transitions = serializers.ListField(child=serializers.CharField())
    delivery = serializers.SerializerMethodField()
    dispute_photos = serializers.SerializerMethodField()

    class Meta(DealSerializer.Meta):
        fields = [
            *DealSerializer.Meta.fields,
            "delivery",
            "dispute_photos",
            "events",
            "ledger",
            "allowed_transitions",
        ]

    @extend_schema_field(DeliveryOutSerializer(allow_null=True))
    def get_delivery(self, deal: SafeDeal) -> dict | None:
        """Only the deal's two people and moderators ever get a deal (deal_for_user)."""
        return DeliveryOutSerializer(deal).data if deal.delivery_carrier else None

    @extend_schema_field(DisputePhotoOutSerializer(many=True))
    def get_dispute_photos(self, deal: SafeDeal) -> list[dict]:
        return [
            {
                "id": photo.pk,
                "thumbnail": reverse(
                    "api:deal-dispute-photo", args=[deal.pk, photo.pk, "thumbnail"]
                ),
                "large": reverse("api:deal-dispute-photo", args=[deal.pk, photo.pk, "large"]),
            }
            for photo in deal.dispute_photos.all()
        ]


class DeliveryField(serializers.Field):
    """The `delivery` object: text values only, checked by DeliveryForm in StartSerializer."""

    default_error_messages = {"invalid": "Expected an object with the delivery details."}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")

        def wrong_type(name: str, value) -> bool:
            if value is None or isinstance(value, str):
                return False
            return name != "city" or isinstance(value, bool) or not isinstance(value, int)

        not_text = serializers.CharField.default_error_messages["invalid"]
        errors = {
            name: [str(not_text)] for name in DELIVERY_FIELDS if wrong_type(name, data.get(name))
        }
        if errors:
            raise serializers.ValidationError(errors)
        return {name: data[name] for name in DELIVERY_FIELDS if data.get(name) is not None}

    def to_representation(self, value):
        return value


class StartSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField()
    amount = serializers.IntegerField(
        required=False, help_text="The price the buyer saw; a different current price is 409."
    )
    delivery = extend_schema_field(DeliveryInSerializer)(DeliveryField)()

    def validate(self, attrs: dict) -> dict:
        listing = Listing.objects.filter(pk=attrs["listing_id"]).only("pk", "city_id").first()
        form = DeliveryForm(attrs["delivery"], listing=listing)
        if not form.is_valid():
            raise serializers.ValidationError(
                {"delivery": {name: list(errors) for name, errors in form.errors.items()}}
            )
        attrs["delivery"] = form.delivery()
        return attrs


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


class DisputePhotosSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.ImageField(), max_length=5)
