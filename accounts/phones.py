"""Kazakhstan phone numbers: accepted in the usual local forms, stored in E.164. New numbers
must be mobile (+7 7xx): a code is sent to them by SMS, which a landline cannot receive."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_PHONE = _("Enter a valid Kazakhstan phone number, for example +7 701 123 45 67.")
NOT_MOBILE = _(
    "Enter a Kazakhstan mobile number (+7 7xx ...): we send a code to it by SMS, and a "
    "landline cannot receive it."
)
MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def _parse_kz(value: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(str(value), "KZ")
    except phonenumbers.NumberParseException:
        raise ValidationError(INVALID_PHONE, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.region_code_for_number(number) != "KZ"
    ):
        raise ValidationError(INVALID_PHONE, code="invalid_phone")
    return number


def normalize_kz_phone(value: str) -> str:
    """`8 (701) 123-45-67`, `+7 701 1234567`, `7011234567` -> `+77011234567`. Any Kazakhstan
    number (a login typed as a phone is looked up with this)."""
    return phonenumbers.format_number(_parse_kz(value), phonenumbers.PhoneNumberFormat.E164)


def normalize_kz_mobile(value: str) -> str:
    """As normalize_kz_phone, refusing what is not a mobile number (`+7 727 ...`: Almaty's
    landlines)."""
    number = _parse_kz(value)
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(NOT_MOBILE, code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_kz_mobile(value: str) -> bool:
    try:
        normalize_kz_mobile(value)
    except ValidationError:
        return False
    return True


def validate_kz_phone_e164(value: str) -> None:
    """Model-level check: the stored value is already the canonical E.164 form of a mobile."""
    if normalize_kz_mobile(value) != value:
        raise ValidationError(INVALID_PHONE, code="invalid_phone")


def format_kz_phone(value: str) -> str:
    """+77011234567 -> +7 701 123 4567, for display."""
    try:
        number = phonenumbers.parse(value, "KZ")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
