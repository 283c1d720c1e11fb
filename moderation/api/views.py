from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation import services
from moderation.api.serializers import (
    ReasonSerializer,
    ReportCreateSerializer,
    ReportSerializer,
)
from moderation.models import Report
from zattar.throttling import rate_limit


class ReportCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReportCreateSerializer,
        responses={
            201: ReportSerializer,
            400: OpenApiResponse(
                description="A field is wrong, or it is your own ad, profile or message "
                "(`invalid_report`)."
            ),
            404: OpenApiResponse(
                description="No such ad, user or message that you can see (`not_found`); a "
                "message can be reported by its recipient only."
            ),
            409: OpenApiResponse(
                description="You reported this target for this reason already (`already_reported`)."
            ),
            429: OpenApiResponse(description="Too many reports in a short time (`throttled`)."),
        },
        tags=["reports"],
    )
    @rate_limit("report_create")
    def post(self, request: Request) -> Response:
        """Report an ad, a user or a chat message to the moderators. Reasons: fraud,
        prohibited, wrong_category, duplicate, wrong_price, offensive, spam, other."""
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_create(reporter=request.user, **serializer.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportReasonsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ReasonSerializer(many=True), tags=["reports"])
    def get(self, request: Request) -> Response:
        """The reasons a report can give, with their labels in the request's language."""
        rows = [{"value": value, "label": label} for value, label in Report.Reason.choices]
        return Response(ReasonSerializer(rows, many=True).data)
