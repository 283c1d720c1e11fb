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
    ProfileUpdateSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from accounts.errors import AccountBlocked, LockedOut, LoginFailed, account_blocked_message
from accounts.lockout import lockout_message, retry_after_seconds
from zattar.throttling import rate_limit


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
        )
        return Response(UserSerializer(user, context={"request": request}).data)


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
