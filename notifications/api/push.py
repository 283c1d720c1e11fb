"""The browsers' push subscriptions (/api/v1/users/me/push-subscriptions) and the public VAPID
key they subscribe with (/api/v1/push/key)."""

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import push
from zattar.openapi import AutoSchema


def _b64url_decode(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return b""


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)

    def validate_p256dh(self, value: str) -> str:
        raw = _b64url_decode(value)
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise serializers.ValidationError(_("Not a P-256 public key.")) from None
        if len(raw) != 65:
            raise serializers.ValidationError(_("Not a P-256 public key."))
        return value

    def validate_auth(self, value: str) -> str:
        if len(_b64url_decode(value)) != 16:
            raise serializers.ValidationError(_("The authentication secret must be 16 bytes."))
        return value


class PushSubscriptionSerializer(serializers.Serializer):
    """What the browser's PushSubscription.toJSON() gives (expirationTime is ignored)."""

    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()

    def validate(self, attrs: dict) -> dict:
        # Last, once the rest is valid: it may look the host up in the DNS.
        try:
            push.endpoint_check(attrs["endpoint"])
        except push.EndpointRefused as exc:
            raise serializers.ValidationError({"endpoint": [str(exc)]}) from None
        return attrs


class PushSubscribedSerializer(serializers.Serializer):
    endpoint = serializers.CharField()
    created_at = serializers.DateTimeField()


class PushEndpointSerializer(serializers.Serializer):
    endpoint = serializers.CharField(max_length=1000)


class PushKeySerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    public_key = serializers.CharField(help_text="applicationServerKey: base64url, or empty.")


class BodyOnDeleteSchema(AutoSchema):
    """The DELETE here reads a JSON body ({endpoint}, as the browser knows it): described like a
    POST's body, with the answers a body can bring (drf-spectacular leaves DELETE bodies out)."""

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def _error_codes(self) -> set[str]:
        codes = super()._error_codes()
        if self.method == "DELETE":
            codes |= {"400", "413", "415"}
        return codes


class PushSubscriptionsView(APIView):
    """This browser's Web Push subscription for the signed-in person."""

    permission_classes = [IsAuthenticated]
    schema = BodyOnDeleteSchema()

    @extend_schema(
        request=PushSubscriptionSerializer,
        responses={201: PushSubscribedSerializer, 200: PushSubscribedSerializer},
        tags=["notifications"],
    )
    def post(self, request: Request) -> Response:
        """Keep this browser's subscription (201; 200 when it was known: keys updated, and
        moved to this account if another one had subscribed it)."""
        serializer = PushSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription, created = push.push_subscribe(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(
            PushSubscribedSerializer(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=PushEndpointSerializer,
        responses={204: None, 404: OpenApiResponse(description="No such subscription of yours.")},
        tags=["notifications"],
    )
    def delete(self, request: Request) -> Response:
        """Forget this browser's subscription (the person's own only)."""
        serializer = PushEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not push.push_unsubscribe(
            user=request.user, endpoint=serializer.validated_data["endpoint"]
        ):
            return Response(
                {"detail": _("No such subscription."), "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushKeyView(APIView):
    """The public VAPID key browsers subscribe with; `enabled` is false when push is off."""

    permission_classes = [AllowAny]

    @extend_schema(responses=PushKeySerializer, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response({"enabled": push.enabled(), "public_key": push.public_key()})
