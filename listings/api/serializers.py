from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from listings.forms import clean_description, clean_leaf_category, clean_title, slug_or_id_lookup
from listings.models import Category, City, Listing, ListingImage
from zattar import fields


class ReferenceSerializer(serializers.Serializer):
    """A city or a category as an ad shows it."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


# A city or category named in a request: a slug as a SlugField holds it, or an id. Which ones
# exist is for GET /api/v1/cities and /api/v1/categories to say; an unknown one is a 400.
SLUG = {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "maxLength": 50}
SLUG_OR_ID = {"oneOf": [SLUG, {"type": "integer", "minimum": 1}]}


class SlugOrIdRelatedField(serializers.RelatedField):
    """Accepts an id or a slug; answers with the object's id, slug and name."""

    default_error_messages = {"does_not_exist": "No such item: {value}."}

    def to_internal_value(self, data):
        found = slug_or_id_lookup(self.get_queryset(), data)
        if found is None:
            self.fail("does_not_exist", value=data)
        return found

    def to_representation(self, value):
        return {"id": value.pk, "slug": value.slug, "name": value.name}


class SlugOrIdFieldSchema(OpenApiSerializerFieldExtension):
    target_class = SlugOrIdRelatedField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return auto_schema.resolve_serializer(ReferenceSerializer, direction).ref
        return {**SLUG_OR_ID, "description": "A slug or an id."}


class CityRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True)

    class Meta:
        model = City
        fields = ["id", "slug", "name", "region", "name_ru", "name_kk", "name_en"]


class CategoryLeafSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "name_ru", "name_kk", "name_en"]


class CategoryTreeSerializer(CategoryLeafSerializer):
    children = CategoryLeafSerializer(many=True, read_only=True)

    class Meta(CategoryLeafSerializer.Meta):
        fields = [*CategoryLeafSerializer.Meta.fields, "icon", "children"]


class ImageSerializer(serializers.ModelSerializer):
    url = serializers.ImageField(source="large", read_only=True)
    thumbnail_url = serializers.ImageField(source="thumbnail", read_only=True)

    class Meta:
        model = ListingImage
        fields = ["id", "position", "url", "thumbnail_url", "width", "height"]


class SellerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2)
    rating_count = serializers.IntegerField()


class ListingCardSerializer(serializers.ModelSerializer):
    city = SlugOrIdRelatedField(read_only=True)
    category = SlugOrIdRelatedField(read_only=True)
    cover = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "title",
            "price",
            "negotiable",
            "condition",
            "status",
            "city",
            "category",
            "cover",
            "image_count",
            "view_count",
            "published_at",
        ]

    def get_cover(self, listing: Listing) -> str | None:
        covers = getattr(listing, "covers", None)
        if covers is None:
            covers = [image for image in listing.images.all() if image.position == 0]
        if not covers:
            return None
        url = covers[0].thumbnail.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ListingSerializer(ListingCardSerializer):
    seller = SellerSerializer(read_only=True)
    images = ImageSerializer(many=True, read_only=True)
    raise_available_at = serializers.DateTimeField(
        read_only=True, help_text="The earliest POST .../raise (BUMP_COOLDOWN_DAYS after the last)."
    )
    review_reasons = serializers.SerializerMethodField(
        help_text="Only for the ad's seller: why it is on review (the hold reasons' codes: "
        "banned_word, contacts, price, photo_copy, reports, resubmitted)."
    )

    class Meta(ListingCardSerializer.Meta):
        fields = [
            *ListingCardSerializer.Meta.fields,
            "description",
            "seller",
            "images",
            "created_at",
            "updated_at",
            "expires_at",
            "raised_at",
            "raise_available_at",
            "review_reasons",
        ]

    def _for_seller(self, listing: Listing) -> bool:
        request = self.context.get("request")
        return request is not None and request.user.pk == listing.seller_id

    def get_review_reasons(self, listing: Listing) -> list[str]:
        if listing.status != Listing.Status.ON_REVIEW:
            return []
        from moderation.selectors import open_listing_flags, review_reasons

        return review_reasons(open_listing_flags().filter(listing=listing))

    def to_representation(self, listing: Listing) -> dict:
        data = super().to_representation(listing)
        if not self._for_seller(listing):  # nobody else learns why an ad was held
            data.pop("review_reasons", None)
        return data


class ListingWriteSerializer(fields.ChangesSomething, serializers.Serializer):
    title = fields.CharField(max_length=200)
    description = fields.CharField(max_length=6000)
    price = serializers.IntegerField(min_value=0, max_value=10**12)
    negotiable = serializers.BooleanField(default=False)
    condition = serializers.ChoiceField(choices=Listing.Condition.choices)
    city = SlugOrIdRelatedField(queryset=City.objects.all())
    category = SlugOrIdRelatedField(queryset=Category.objects.all())

    def validate_title(self, value: str) -> str:
        return clean_title(value)

    def validate_description(self, value: str) -> str:
        return clean_description(value)

    def validate_category(self, value: Category) -> Category:
        try:
            return clean_leaf_category(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField()


class ReorderSerializer(serializers.Serializer):
    image_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    count_is_estimate = serializers.BooleanField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    corrected_query = serializers.CharField(allow_blank=True)
    results = ListingCardSerializer(many=True)
