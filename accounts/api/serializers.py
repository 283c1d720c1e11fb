from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.forms import clean_avatar_upload, clean_new_email, clean_new_phone
from accounts.models import User
from listings.models import City


class CitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True)

    class Meta:
        model = City
        fields = ["id", "slug", "name", "region", "name_ru", "name_kk", "name_en"]


class UserSerializer(serializers.ModelSerializer):
    city = CitySerializer(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "phone",
            "name",
            "city",
            "avatar",
            "rating_avg",
            "rating_count",
            "date_joined",
        ]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=32)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    name = serializers.CharField(max_length=60)

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
    login = serializers.CharField(max_length=254, help_text="Email or phone number.")
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class ProfileUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    city = serializers.PrimaryKeyRelatedField(
        queryset=City.objects.all(), required=False, allow_null=True
    )
    avatar = serializers.ImageField(required=False, allow_null=True)

    def validate_avatar(self, value):
        return clean_avatar_upload(value)
