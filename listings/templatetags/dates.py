"""One date style on every page and in live updates: "4 дек", "4 дек, 14:05" (the year only
when it is not this year's) and "4 декабря 2026, 14:05", in Almaty time. Month names are
lower-case in Russian and Kazakh, as they are written in running text (Django's `M` and `F`
capitalise them); chat.js writes a live message's time the same way from `month_names`."""

from datetime import date, datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language

register = template.Library()


def _english() -> bool:
    return (get_language() or "ru")[:2] == "en"


def _local(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def _month(value: date, code: str) -> str:
    name = dateformat.format(value, code)
    return name.title() if _english() else name.lower()


def _day_month(value: date, *, year: bool | None = None) -> str:
    if year is None:  # short forms: the year only when it is not this year's
        year = value.year != timezone.localdate().year
    text = f"{value.day} {_month(value, 'b')}"
    return f"{text} {value.year}" if year else text


@register.filter
def short_date(value) -> str:
    """4 дек (4 дек 2025 in another year)."""
    if not value:
        return ""
    return _day_month(_local(value))


@register.filter
def short_datetime(value) -> str:
    """4 дек, 14:05."""
    if not value:
        return ""
    value = _local(value)
    return f"{_day_month(value)}, {value:%H:%M}"


@register.filter
def long_date(value) -> str:
    """4 декабря 2026."""
    if not value:
        return ""
    value = _local(value)
    return f"{value.day} {_month(value, 'E')} {value.year}"


@register.filter
def long_datetime(value) -> str:
    """4 декабря 2026, 14:05."""
    if not value:
        return ""
    value = _local(value)
    return f"{long_date(value)}, {value:%H:%M}"


@register.filter
def month_year(value) -> str:
    """декабря 2026 (as in "on Zattar since ...")."""
    if not value:
        return ""
    value = _local(value)
    return f"{_month(value, 'E')} {value.year}"


@register.simple_tag
def month_names() -> str:
    """The short month names of the active language, space-separated, January first: what
    chat.js needs to write a live message's time as short_datetime does."""
    names = [str(MONTHS_3[number]) for number in range(1, 13)]
    return " ".join(name.title() if _english() else name.lower() for name in names)
