from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.api.serializers import (
    NotificationSerializer,
    PreferencesSerializer,
    ReadResultSerializer,
    ReadSerializer,
)
from notifications.kinds import Channel, Kind
from zattar.pagination import PageNumberPagination


class ChannelsOut(serializers.Serializer):
    def get_fields(self) -> dict:
        return {channel.value: serializers.BooleanField() for channel in Channel}


class PreferencesOut(serializers.Serializer):
    def get_fields(self) -> dict:
        return {kind.value: ChannelsOut(help_text=str(kind.label)) for kind in Kind}


PREFERENCES = PreferencesOut


class PreferencesView(APIView):
    """What the person is told about, by which channel: a switch per kind (messages, deals,
    saved_searches, price_drops, listings) and channel (email, push). The bell on the site
    lists everything either way."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PREFERENCES, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response(services.preferences(user=request.user))

    @extend_schema(
        request=PreferencesSerializer,
        responses={
            200: PREFERENCES,
            400: OpenApiResponse(
                description="Per field: an unknown kind or channel, or a value that is not "
                'true or false (`{"deals": {"email": ["Must be true or false."]}}`).'
            ),
        },
        tags=["notifications"],
    )
    def patch(self, request: Request) -> Response:
        serializer = PreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(
            services.preferences_set(user=request.user, changes=serializer.validated_data)
        )


class FeedView(generics.ListAPIView):
    """The person's last 50 notifications, read or not, newest first, a page at a time.
    Reading them here marks nothing: clients say what was read (`feed/read`)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = PageNumberPagination

    @extend_schema(tags=["notifications"])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.feed(user=self.request.user)  # a list of at most 50: pages of it


class FeedReadView(APIView):
    """Mark notifications read: the `ids` given (others' ids are ignored), or all of them."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReadSerializer, responses=ReadResultSerializer, tags=["notifications"])
    def post(self, request: Request) -> Response:
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        read = services.notifications_read(
            user=request.user, ids=serializer.validated_data.get("ids")
        )
        return Response({"read": read, "unread": selectors.unread_count(user=request.user)})
