from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from listings import search, selectors, services
from listings.api.serializers import (
    SLUG,
    CategoryTreeSerializer,
    CityRefSerializer,
    ImageSerializer,
    ImageUploadSerializer,
    ListingCardSerializer,
    ListingSerializer,
    ListingWriteSerializer,
    ReorderSerializer,
    SearchPageSerializer,
)
from listings.errors import ListingNotFound, NotTheSeller
from listings.forms import SearchForm
from listings.models import Listing
from zattar.images import DecoderBusy
from zattar.openapi import EMPTY_STRING
from zattar.pagination import PageNumberPagination
from zattar.throttling import rate_limit

NOT_THE_SELLER = OpenApiResponse(description="Only the seller can change this ad.")
HAS_DEALS = OpenApiResponse(description="The ad has Safe Deals: archive it instead.")
STATUS_CONFLICT = OpenApiResponse(description="The ad's status does not allow this.")

# Empty means "any", as on the search form (a GET form sends its empty fields: price_max=).
PRICE = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 10**12}, EMPTY_STRING]}
SLUG_FILTER = {**SLUG, "pattern": "^[-a-zA-Z0-9_]*$"}  # empty: the whole country, every category
SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": 200, "pattern": "^[^\\x00]*$"},
        description="Words; quoted phrases and -word work.",
    ),
    OpenApiParameter("city", SLUG_FILTER, description="A city's slug or id."),
    OpenApiParameter(
        "category", SLUG_FILTER, description="A category's slug or id (a root: its leaves)."
    ),
    OpenApiParameter("price_min", PRICE, description="Empty: any."),
    OpenApiParameter("price_max", PRICE, description="Not below price_min. Empty: any."),
    OpenApiParameter(
        "condition", str, enum=["", *Listing.Condition.values], description="Empty: any."
    ),
    OpenApiParameter(
        "has_photos", {"anyOf": [{"type": "boolean"}, EMPTY_STRING]}, description="Empty: any."
    ),
    OpenApiParameter(
        "ordering", str, enum=["", *search.Ordering.ALL], description="Empty: the default."
    ),
    OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": search.MAX_PAGE}),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": PageNumberPagination.max_page_size},
    ),
]


class CategoryTreeView(generics.ListAPIView):
    """The catalogue as a tree of roots and their leaves (small; not paginated)."""

    permission_classes = [AllowAny]
    serializer_class = CategoryTreeSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet:
        return selectors.category_roots()


class ReferencePagination(PageNumberPagination):
    page_size = 100  # every city of Kazakhstan on one page


class CityListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = CityRefSerializer
    pagination_class = ReferencePagination

    def get_queryset(self) -> QuerySet:
        return selectors.city_list()


def _search_page_size(request: Request) -> int:
    raw = request.query_params.get("page_size", PageNumberPagination.page_size)
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({"page_size": ["A whole number is required."]}) from None
    if not 1 <= size <= PageNumberPagination.max_page_size:
        raise ValidationError({"page_size": ["Must be between 1 and 100."]})
    return size


def _search_page(request: Request) -> int:
    try:
        page = int(request.query_params.get("page", 1))
    except (TypeError, ValueError):
        raise ValidationError({"page": ["A whole number is required."]}) from None
    if not 1 <= page <= search.MAX_PAGE:
        raise ValidationError({"page": [f"Pages go from 1 to {search.MAX_PAGE}."]})
    return page


class ListingListCreateView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        operation_id="listings_list",
        parameters=SEARCH_PARAMETERS,
        responses=SearchPageSerializer,
        tags=["listings"],
    )
    def get(self, request: Request) -> Response:
        unknown = set(request.query_params) - SearchForm.PARAMETERS - {"page", "page_size"}
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in sorted(unknown)})
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        page, page_size = _search_page(request), _search_page_size(request)
        result = selectors.listing_search(
            filters=form.filters(), page=page, page_size=page_size, viewer=request.user
        )

        def link(number: int) -> str:
            params = request.query_params.copy()
            params["page"] = number
            return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

        return Response(
            {
                "count": result.count,
                "count_is_estimate": result.count_is_estimate,
                "next": link(page + 1) if result.has_next else None,
                "previous": link(page - 1) if page > 1 else None,
                "corrected_query": result.corrected_query,
                "results": ListingCardSerializer(
                    result.items, many=True, context={"request": request}
                ).data,
            }
        )

    @extend_schema(
        request=ListingWriteSerializer, responses={201: ListingSerializer}, tags=["listings"]
    )
    @rate_limit("ad_create")
    def post(self, request: Request) -> Response:
        serializer = ListingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_create(seller=request.user, **serializer.validated_data)
        listing = selectors.listing_get_for_seller(listing_id=listing.pk, seller=request.user)
        return Response(
            ListingSerializer(listing, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


def _visible_listing(request: Request, pk: int) -> Listing:
    listing = selectors.listing_get_public(listing_id=pk)
    if listing is None and request.user.is_authenticated:
        listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
    if listing is None:
        raise ListingNotFound()
    return listing


class ListingDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ListingSerializer, tags=["listings"])
    def get(self, request: Request, pk: int) -> Response:
        listing = _visible_listing(request, pk)
        counted = listing.status == Listing.Status.ACTIVE and listing.seller_id != request.user.pk
        if counted and services.listing_register_view(
            listing_id=listing.pk, viewer_key=_api_viewer(request)
        ):
            listing.view_count += 1
        return Response(ListingSerializer(listing, context={"request": request}).data)

    @extend_schema(
        request=ListingWriteSerializer,
        responses={200: ListingSerializer, 403: NOT_THE_SELLER, 409: STATUS_CONFLICT},
        tags=["listings"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        _visible_listing(request, pk)  # 404 before 403: strangers learn nothing of archived ads
        serializer = ListingWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.listing_update(listing_id=pk, seller=request.user, **serializer.validated_data)
        listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
        return Response(ListingSerializer(listing, context={"request": request}).data)

    @extend_schema(responses={204: None, 403: NOT_THE_SELLER, 409: HAS_DEALS}, tags=["listings"])
    def delete(self, request: Request, pk: int) -> Response:
        _visible_listing(request, pk)
        services.listing_delete(listing_id=pk, seller=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _api_viewer(request: Request) -> str:
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    return f"ip{request.META.get('REMOTE_ADDR', '')}:{request.META.get('HTTP_USER_AGENT', '')[:80]}"


class MarkSoldView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: ListingSerializer, 403: NOT_THE_SELLER, 409: STATUS_CONFLICT},
        tags=["listings"],
    )
    def post(self, request: Request, pk: int) -> Response:
        _visible_listing(request, pk)
        services.listing_set_status(listing_id=pk, seller=request.user, status=Listing.Status.SOLD)
        listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
        return Response(ListingSerializer(listing, context={"request": request}).data)


def _own_listing(request: Request, pk: int) -> Listing:
    """The caller's own ad; anyone else's is 404 (strangers learn nothing about it)."""
    listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
    if listing is None:
        raise ListingNotFound()
    return listing


NOT_FOUND = OpenApiResponse(description="No such ad among the caller's own.")


class RenewView(APIView):
    """An expired ad back to active, or an active one in its last 3 days extended: either way
    it expires LISTING_LIFETIME_DAYS from now; its place (published_at) stays.
    409 `renew_not_allowed` otherwise, 409 `category_limit` when the seller already has
    LISTING_LIMIT_PER_CATEGORY active ads in its category."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: ListingSerializer, 404: NOT_FOUND, 409: STATUS_CONFLICT},
        tags=["listings"],
    )
    def post(self, request: Request, pk: int) -> Response:
        _own_listing(request, pk)
        services.listing_renew(listing_id=pk, seller=request.user)
        listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
        return Response(ListingSerializer(listing, context={"request": request}).data)


class RaiseView(APIView):
    """ "Raise to top": published_at becomes now, once per BUMP_COOLDOWN_DAYS since it was
    published or last raised; sooner is 429 `raise_too_soon` with `retry_after` (seconds) and
    a Retry-After header."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: ListingSerializer,
            404: NOT_FOUND,
            409: STATUS_CONFLICT,
            429: OpenApiResponse(description="Too soon: `retry_after` seconds."),
        },
        tags=["listings"],
    )
    def post(self, request: Request, pk: int) -> Response:
        _own_listing(request, pk)
        services.listing_raise(listing_id=pk, seller=request.user)
        listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
        return Response(ListingSerializer(listing, context={"request": request}).data)


class ImageUploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=ImageUploadSerializer,
        responses={201: ImageSerializer, 403: NOT_THE_SELLER},
        tags=["listings"],
    )
    @rate_limit("photo_upload")
    def post(self, request: Request, pk: int) -> Response:
        if _visible_listing(request, pk).seller_id != request.user.pk:
            raise NotTheSeller()  # before decoding anything a stranger sent
        serializer = ImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            photo = services.photo_process(serializer.validated_data["image"])
        except DecoderBusy:
            raise  # 503, not a fault of the file (zattar.exceptions)
        except DjangoValidationError as error:
            raise ValidationError({"image": error.messages}) from None
        image = services.listing_image_add(listing_id=pk, seller=request.user, photo=photo)
        return Response(
            ImageSerializer(image, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ImageDeleteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None, 403: NOT_THE_SELLER}, tags=["listings"])
    def delete(self, request: Request, pk: int, image_id: int) -> Response:
        _visible_listing(request, pk)
        services.listing_image_delete(listing_id=pk, seller=request.user, image_id=image_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImageReorderView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReorderSerializer,
        responses={200: ImageSerializer(many=True), 403: NOT_THE_SELLER},
        tags=["listings"],
    )
    def post(self, request: Request, pk: int) -> Response:
        _visible_listing(request, pk)
        serializer = ReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.listing_images_reorder(
            listing_id=pk, seller=request.user, image_ids=serializer.validated_data["image_ids"]
        )
        listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
        return Response(
            ImageSerializer(listing.images.all(), many=True, context={"request": request}).data
        )


class FavoriteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["favorites"])
    def post(self, request: Request, pk: int) -> Response:
        listing = selectors.listing_get_public(listing_id=pk)
        if listing is None:
            raise ListingNotFound()
        services.favorite_add(user=request.user, listing=listing)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, tags=["favorites"])
    def delete(self, request: Request, pk: int) -> Response:
        listing = selectors.listing_get_public(listing_id=pk)
        if listing is None:
            raise ListingNotFound()
        services.favorite_remove(user=request.user, listing=listing)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyFavoritesView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ListingCardSerializer

    def get_queryset(self) -> QuerySet:
        return selectors.favorite_listings(user=self.request.user)
