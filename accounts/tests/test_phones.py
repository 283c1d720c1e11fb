import pytest
from django.core.exceptions import ValidationError

from accounts.phones import format_kz_phone, normalize_kz_mobile, normalize_kz_phone


@pytest.mark.parametrize(
    "typed",
    [
        "8 (701) 123-45-67",
        "+7 701 1234567",
        "+7 (701) 123 45 67",
        "87011234567",
        "7011234567",
        "+77011234567",
        " 8-701-123-45-67 ",
    ],
)
def test_local_forms_of_one_mobile_number_give_one_e164(typed):
    assert normalize_kz_phone(typed) == "+77011234567"


def test_almaty_landline_is_a_kazakhstan_number_but_not_a_mobile():
    assert normalize_kz_phone("8 727 250 00 00") == "+77272500000"
    with pytest.raises(ValidationError) as error:
        normalize_kz_mobile("8 727 250 00 00")
    assert error.value.code == "not_mobile"


@pytest.mark.parametrize(
    "typed", ["+7 700 123 45 67", "8 747 123 45 67", "+7 771 1234567", "87781234567"]
)
def test_kazakhstan_mobile_operators_are_mobiles(typed):
    assert normalize_kz_mobile(typed).startswith("+77")


@pytest.mark.parametrize(
    "typed",
    ["+7 916 123 45 67", "12345", "hello", "", "+1 202 555 0100", "8 701 123"],
)
def test_numbers_outside_kazakhstan_or_malformed_are_refused(typed):
    with pytest.raises(ValidationError) as error:
        normalize_kz_phone(typed)
    assert error.value.code == "invalid_phone"


def test_display_format_groups_digits():
    assert format_kz_phone("+77011234567") == "+7 701 123 4567"
