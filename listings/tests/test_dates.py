"""One date style: day and lower-case month in Russian and Kazakh ("4 дек", "4 декабря 2026,
14:05"), Almaty time, the year in short forms only when it is not this year's."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.template import Context, Template
from django.utils import translation

from listings.templatetags import dates

# 19:30 UTC on 3 December is already 4 December in Almaty (UTC+5).
EVENING = datetime(2026, 12, 3, 19, 30, tzinfo=UTC)
LAST_YEAR = datetime(2025, 3, 8, 6, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(datetime(2026, 12, 10, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.mark.parametrize(
    ("language", "short", "short_time", "long", "long_time", "since"),
    [
        ("ru", "4 дек", "4 дек, 00:30", "4 декабря 2026", "4 декабря 2026, 00:30", "декабря 2026"),
        (
            "kk",
            "4 жел",
            "4 жел, 00:30",
            "4 желтоқсан 2026",
            "4 желтоқсан 2026, 00:30",
            "желтоқсан 2026",
        ),
        (
            "en",
            "4 Dec",
            "4 Dec, 00:30",
            "4 December 2026",
            "4 December 2026, 00:30",
            "December 2026",
        ),
    ],
)
def test_each_form_in_each_language(language, short, short_time, long, long_time, since):
    with translation.override(language):
        assert dates.short_date(EVENING) == short
        assert dates.short_datetime(EVENING) == short_time
        assert dates.long_date(EVENING) == long
        assert dates.long_datetime(EVENING) == long_time
        assert dates.month_year(EVENING) == since


def test_short_forms_name_another_year():
    with translation.override("ru"):
        assert dates.short_date(LAST_YEAR) == "8 мар 2025"
        assert dates.short_datetime(LAST_YEAR) == "8 мар 2025, 11:05"


def test_nothing_for_no_date_and_the_month_names_chat_uses():
    assert dates.short_datetime(None) == "" and dates.long_date("") == ""
    with translation.override("ru"):
        rendered = Template("{% load dates %}{% month_names %}").render(Context())
    assert rendered.split() == [
        "янв",
        "фев",
        "мар",
        "апр",
        "май",
        "июн",
        "июл",
        "авг",
        "сен",
        "окт",
        "ноя",
        "дек",
    ]
