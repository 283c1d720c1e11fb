from django.http import FileResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deals import selectors, services
from deals.api.serializers import (
    DealDetailSerializer,
    DealSerializer,
    DisputePhotosSerializer,
    ReviewOutSerializer,
    ReviewSerializer,
    StartSerializer,
    TransitionSerializer,
)
from deals.errors import DealNotFound
from deals.forms import TransitionForm, process_dispute_photos
from deals.transitions import Role, Status
from zattar.storage import STORAGE_FAILURES


def detail(deal_id: int, request: Request) -> dict:
    deal = selectors.deal_for_user(deal_id=deal_id, user=request.user)
    if deal is None:
        raise DealNotFound()
    deal.allowed_transitions = [
        s.value for s in selectors.allowed_transitions(deal, request.user, now=timezone.now())
    ]
    return DealDetailSerializer(deal).data


class DealStartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=StartSerializer,
        responses={
            201: DealDetailSerializer,
            400: OpenApiResponse(
                description="This ad cannot be bought with Safe Deal, or the delivery details "
                "are missing or wrong: {delivery: {field: [message, ...]}}."
            ),
            404: OpenApiResponse(description="No such ad."),
            409: OpenApiResponse(
                description="Someone is buying it already, or the price changed (`price`)."
            ),
        },
        tags=["deals"],
    )
    def post(self, request: Request) -> Response:
        serializer = StartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal = services.deal_start(
            listing_id=serializer.validated_data["listing_id"],
            buyer=request.user,
            delivery=serializer.validated_data["delivery"],
            expected_amount=serializer.validated_data.get("amount"),
        )
        return Response(detail(deal.pk, request), status=status.HTTP_201_CREATED)


class DealDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DealDetailSerializer, tags=["deals"])
    def get(self, request: Request, deal_id: int) -> Response:
        return Response(detail(deal_id, request))


class DealTransitionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: DealDetailSerializer,
            400: OpenApiResponse(
                description="A tracking number, carrier, reason or note is missing."
            ),
            403: OpenApiResponse(description="The move exists but is not this participant's."),
            404: OpenApiResponse(description="No such deal (or not one of yours)."),
            409: OpenApiResponse(
                description="The table forbids it: {detail, allowed_transitions}."
            ),
        },
        tags=["deals"],
    )
    def post(self, request: Request, deal_id: int) -> Response:
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.deal_transition(
            deal_id=deal_id,
            actor=request.user,
            target=data["status"],
            tracking_number=data.get("tracking_number", ""),
            carrier=data.get("carrier", ""),
            reason=data.get("reason", ""),
            note=data.get("note", ""),
        )
        return Response(detail(deal_id, request))


class BuyerDealsView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = DealSerializer

    def get_queryset(self):
        return selectors.deals_of(user=self.request.user, as_role=Role.BUYER)


class SellerDealsView(BuyerDealsView):
    def get_queryset(self):
        return selectors.deals_of(user=self.request.user, as_role=Role.SELLER)


class ReviewView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReviewSerializer, responses={201: ReviewOutSerializer}, tags=["deals"])
    def post(self, request: Request, deal_id: int) -> Response:
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_leave(
            deal_id=deal_id,
            author=request.user,
            rating=serializer.validated_data["rating"],
            text=serializer.validated_data.get("text", ""),
        )
        return Response(
            {"id": review.pk, "rating": review.rating, "text": review.text},
            status=status.HTTP_201_CREATED,
        )


class DisputePhotosView(APIView):
    """More photos for a deal under dispute (multipart, `photos` repeated), from either
    participant: re-encoded as ad photos are, at most 5 per dispute."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request={"multipart/form-data": DisputePhotosSerializer},
        responses={
            200: DealDetailSerializer,
            400: OpenApiResponse(
                description="{photos: [message, ...]}: not a picture, or too many."
            ),
            404: OpenApiResponse(description="No such deal (or not one of yours)."),
            409: OpenApiResponse(description="The deal is not under dispute."),
        },
        tags=["deals"],
    )
    def post(self, request: Request, deal_id: int) -> Response:
        if selectors.deal_for_user(deal_id=deal_id, user=request.user) is None:
            raise DealNotFound()
        uploads = request.FILES.getlist("photos") if hasattr(request.FILES, "getlist") else []
        if not uploads:
            raise ValidationError({"photos": [_("Choose at least one photo.")]})
        form = TransitionForm({"status": Status.DISPUTED}, MultiValueDict({"photos": uploads}))
        photos = process_dispute_photos(form) if form.is_valid() else None
        if photos is None:
            raise ValidationError({"photos": form.errors["photos"]})
        services.dispute_photos_add(deal_id=deal_id, author=request.user, photos=photos)
        return Response(detail(deal_id, request))


class DisputePhotoFileView(APIView):
    """One dispute photo (JPEG), to the deal's two people and the moderators only."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiResponse(description="The picture.")},
        tags=["deals"],
    )
    def get(self, request: Request, deal_id: int, photo_id: int, size: str) -> FileResponse:
        deal = selectors.deal_for_user(deal_id=deal_id, user=request.user)
        file = deal and selectors.dispute_photo_file(deal=deal, photo_id=photo_id, size=size)
        if not file:
            raise DealNotFound()
        try:
            handle = file.storage.open(file.name, "rb")
        except STORAGE_FAILURES:
            raise DealNotFound() from None
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response
