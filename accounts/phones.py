"""Kazakhstan phone numbers: accepted in the usual local forms, stored in E.164."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_PHONE = _("Enter a valid Kazakhstan phone number, for example +7 701 123 45 67.")


def normalize_kz_phone(value: str) -> str:
    """`8 (701) 123-45-67`, `+7 701 1234567`, `7011234567` -> `+77011234567`."""
    try:
        number = phonenumbers.parse(str(value), "KZ")
    except phonenumbers.NumberParseException:
        raise ValidationError(INVALID_PHONE, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.region_code_for_number(number) != "KZ"
    ):
        raise ValidationError(INVALID_PHONE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_kz_phone_e164(value: str) -> None:
    """Model-level check: the stored value is already the canonical E.164 form."""
    if normalize_kz_phone(value) != value:
        raise ValidationError(INVALID_PHONE, code="invalid_phone")


def format_kz_phone(value: str) -> str:
    """+77011234567 -> +7 701 123 4567, for display."""
    try:
        number = phonenumbers.parse(value, "KZ")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
