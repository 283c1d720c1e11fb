import functools

from django.db import connection
from django.utils.functional import SimpleLazyObject

from chat.selectors import UNREAD_TOTAL_SQL
from notifications.selectors import UNREAD_COUNT_SQL


def unread(request) -> dict:
    """The header's two badges, unread chat messages and the bell's notifications: counted in one
    statement, and only if a template shows them (every signed-in page does)."""

    @functools.cache
    def counts() -> tuple[int, int]:
        if not request.user.is_authenticated:
            return 0, 0
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT ({UNREAD_TOTAL_SQL}), ({UNREAD_COUNT_SQL})",
                [request.user.pk, request.user.pk],
            )
            return cursor.fetchone()

    return {
        "chat_unread": SimpleLazyObject(lambda: counts()[0]),
        "notifications_unread": SimpleLazyObject(lambda: counts()[1]),
    }
