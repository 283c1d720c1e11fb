from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.forms import CODE_PATTERN, clean_avatar_upload, clean_new_email, clean_new_phone
from accounts.models import User
from accounts.phones import normalize_kz_mobile
from listings.models import City
from zattar import fields
from zattar.openapi import EMPTY_STRING


class CitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True)

    class Meta:
        model = City
        fields = ["id", "slug", "name", "region", "name_ru", "name_kk", "name_en"]


class UserSerializer(serializers.ModelSerializer):
    city = CitySerializer(read_only=True, allow_null=True)
    avatar = serializers.ImageField(read_only=True, allow_null=True)
    phone_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "phone",
            "name",
            "city",
            "avatar",
            "phone_verified",
            "show_phone",
            "language",
            "rating_avg",
            "rating_count",
            "date_joined",
        ]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    email = fields.EmailField(max_length=254)
    phone = fields.CharField(max_length=32)
    password = fields.CharField(write_only=True, trim_whitespace=False, max_length=128)
    name = fields.CharField(max_length=60)

    def validate_email(self, value: str) -> str:
        return clean_new_email(value)

    def validate_phone(self, value: str) -> str:
        return clean_new_phone(value)

    def validate(self, attrs: dict) -> dict:
        probe = User(email=attrs["email"], name=attrs["name"], phone=attrs["phone"])
        try:
            password_validation.validate_password(attrs["password"], probe)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs


class LoginSerializer(serializers.Serializer):
    login = fields.CharField(max_length=254, help_text="Email or phone number.")
    password = fields.CharField(write_only=True, trim_whitespace=False, max_length=128)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


JWT_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"


@extend_schema_field({"type": "string", "pattern": JWT_PATTERN})
class JWTField(fields.CharField):
    """A JSON Web Token: three base64url parts. The pattern documents the form; a string that
    is not a live token of ours is a 401, whatever its form."""


# simplejwt's, refusing (401) a refresh token whose user is gone or inactive, or whose password
# has changed since the login that began its chain: every token carries a hash of the password
# hash it was issued under (SIMPLE_JWT's CHECK_REVOKE_TOKEN), which simplejwt checks for access
# tokens only.
class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """A refresh token, exchanged for a new pair (the one sent is revoked)."""

    refresh = JWTField()

    def validate(self, attrs: dict) -> dict:
        refresh = RefreshToken(attrs["refresh"])  # TokenError: the view answers 401
        user = User.objects.filter(pk=refresh.get(jwt_settings.USER_ID_CLAIM)).first()
        if (
            user is None
            or not user.is_active
            or refresh.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)
        ):
            raise AuthenticationFailed(_("This token has been revoked."), code="token_revoked")
        return super().validate(attrs)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = fields.CharField(write_only=True, trim_whitespace=False, max_length=128)
    new_password = fields.CharField(write_only=True, trim_whitespace=False, max_length=128)

    def validate_old_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError(
                _("The current password is wrong."), code="wrong_password"
            )
        return value

    def validate_new_password(self, value: str) -> str:
        password_validation.validate_password(value, self.context["user"])
        return value


@extend_schema_field(
    {
        "anyOf": [{"type": "integer"}, EMPTY_STRING],
        "nullable": True,
        "description": "A city's id; null clears it, and so does an empty string (a form's "
        "way of sending none).",
    }
)
class ClearableCityField(serializers.PrimaryKeyRelatedField):
    """A city by id. DRF reads an empty string as null for every relation (a form, multipart
    with an avatar too, has no null), so the schema says so; the API fuzz test found a `city=`
    accepted that the schema did not allow."""


class ProfileUpdateSerializer(fields.ChangesSomething, serializers.Serializer):
    name = fields.CharField(max_length=60, required=False)
    city = ClearableCityField(queryset=City.objects.all(), required=False, allow_null=True)
    avatar = serializers.ImageField(required=False, allow_null=True)
    show_phone = serializers.BooleanField(
        required=False, help_text="Show the number to verified buyers on request (else chat only)."
    )
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The language Zattar writes to the user in (e-mails, SMS, notifications).",
    )

    def validate_avatar(self, value):
        return clean_avatar_upload(value)


class PhoneSendSerializer(serializers.Serializer):
    phone = fields.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="A new mobile number to verify instead of the account's (optional).",
    )

    def validate_phone(self, value: str) -> str:
        return normalize_kz_mobile(value) if value.strip() else ""


class PhoneSentSerializer(serializers.Serializer):
    phone = serializers.CharField()
    expires_at = serializers.DateTimeField()


class PhoneConfirmSerializer(serializers.Serializer):
    code = serializers.RegexField(
        CODE_PATTERN, max_length=6, help_text="The six digits of the SMS."
    )


@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
)
class ErrorCodeOrMessagesField(serializers.Field):
    """`code` of an error, or, when the `code` sent was invalid, the messages about it."""


class PhoneConfirmErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(required=False)
    code = ErrorCodeOrMessagesField(
        required=False,
        help_text="`wrong_code` or `code_expired`; or a list of messages about the code sent.",
    )
    attempts_left = serializers.IntegerField(required=False)


class PhoneRevealSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="The ad it was revealed from."
    )


class PhoneRevealedSerializer(serializers.Serializer):
    phone = serializers.CharField()
    phone_display = serializers.CharField()
