from django.contrib.auth import authenticate, update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.api.serializers import (
    LoginSerializer,
    PasswordChangeSerializer,
    PhoneConfirmErrorSerializer,
    PhoneConfirmSerializer,
    PhoneRevealedSerializer,
    PhoneRevealSerializer,
    PhoneSendSerializer,
    PhoneSentSerializer,
    ProfileUpdateSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from accounts.errors import AccountBlocked, LockedOut, LoginFailed, account_blocked_message
from accounts.lockout import lockout_message, retry_after_seconds
from zattar.throttling import client_network, rate_limit


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer}, tags=["users"])
    @rate_limit("register")
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(
            UserSerializer(user, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class LoginView(APIView):
    """Exchange an email or phone and a password for a JWT access and refresh token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(description="Wrong login or password."),
            403: OpenApiResponse(description="The account is banned (code account_banned)."),
            429: OpenApiResponse(description="Locked out after repeated failures."),
        },
        tags=["users"],
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            django_request,
            username=serializer.validated_data["login"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                throttled = getattr(django_request, "login_throttled", None)  # accounts.lockout
                raise throttled or LockedOut(lockout_message(), retry_after=retry_after_seconds())
            blocked = getattr(django_request, "login_blocked_user", None)  # accounts.backends
            if blocked is not None:
                raise AccountBlocked(account_blocked_message(blocked))
            raise LoginFailed()
        refresh = RefreshToken.for_user(user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer, tags=["users"])
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user, context={"request": request}).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=UserSerializer, tags=["users"])
    def patch(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.profile_update(
            user=request.user,
            name=data.get("name"),
            city=data.get("city"),
            clear_city="city" in data and data["city"] is None,
            avatar=data.get("avatar"),
            clear_avatar="avatar" in data and data["avatar"] is None,
            show_phone=data.get("show_phone"),
            language=data.get("language"),
        )
        return Response(UserSerializer(user, context={"request": request}).data)


class PhoneVerifyView(APIView):
    """Send a six-digit code by SMS to the account's mobile number, or to `phone`, a new number
    that replaces it once confirmed. A code lives 5 minutes; at most 3 codes per number and 10
    per client address an hour."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PhoneSendSerializer,
        responses={
            202: PhoneSentSerializer,
            400: OpenApiResponse(description="Not a Kazakhstan mobile number."),
            409: OpenApiResponse(
                description="`phone_taken`: another account verified it; `phone_already_verified`."
            ),
            429: OpenApiResponse(description="Too many codes: `retry_after` seconds."),
        },
        tags=["users"],
    )
    def post(self, request: Request) -> Response:
        serializer = PhoneSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = services.phone_code_send(
            user=request.user,
            ip=client_network(request),
            phone=serializer.validated_data.get("phone", ""),
        )
        return Response(PhoneSentSerializer(code).data, status=status.HTTP_202_ACCEPTED)


class PhoneConfirmView(APIView):
    """Confirm the code of the SMS: the number becomes the account's, verified. Five wrong
    tries void the code."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PhoneConfirmSerializer,
        responses={
            200: UserSerializer,
            400: OpenApiResponse(
                response=PhoneConfirmErrorSerializer,
                description="`wrong_code` (with `attempts_left`), `code_expired`, or the "
                "messages about a malformed `code`.",
            ),
            409: OpenApiResponse(description="`phone_taken`: another account verified it first."),
        },
        tags=["users"],
    )
    def post(self, request: Request) -> Response:
        serializer = PhoneConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.phone_confirm(user=request.user, code=serializer.validated_data["code"])
        return Response(UserSerializer(user, context={"request": request}).data)


class PhoneRevealView(APIView):
    """A seller's number, for a signed-in viewer with a verified phone, if the seller chose to
    show it. At most 20 sellers a day per viewer; each reveal is logged for moderators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PhoneRevealSerializer,
        responses={
            200: PhoneRevealedSerializer,
            403: OpenApiResponse(description="`phone_unverified`, with `verify_url`."),
            404: OpenApiResponse(description="`phone_hidden`: chat only, or no such user."),
            429: OpenApiResponse(description="Too many sellers today: `retry_after` seconds."),
        },
        tags=["users"],
    )
    def post(self, request: Request, user_id: int) -> Response:
        serializer = PhoneRevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seller = services.phone_reveal(
            viewer=request.user,
            seller_id=user_id,
            listing_id=serializer.validated_data.get("listing_id"),
            ip=client_network(request),
        )
        return Response({"phone": seller.phone, "phone_display": seller.phone_display})


class PasswordChangeView(APIView):
    """Change one's password. Every token issued before is revoked (the caller's too); the
    answer is a fresh pair."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PasswordChangeSerializer, responses={200: TokenPairSerializer}, tags=["users"]
    )
    @rate_limit("password_change")
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        user = services.user_password_change(
            user=request.user, new_password=serializer.validated_data["new_password"]
        )
        if request.auth is None:  # signed in by session (the browsable API): stay signed in
            update_session_auth_hash(request._request, user)
        refresh = RefreshToken.for_user(user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class TokenRefreshView(jwt_views.TokenRefreshView):
    """Exchange a refresh token for a new pair; the one sent is revoked. Tokens issued before
    a password change, or of a deactivated user, are refused."""

    serializer_class = TokenRefreshSerializer

    @extend_schema(
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(description="The refresh token is invalid, expired or revoked."),
        },
        tags=["users"],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)
