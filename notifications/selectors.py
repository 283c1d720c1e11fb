"""Reads of the notifications app."""

from notifications.models import Notification

FEED_SIZE = 50


def feed(*, user) -> list[Notification]:
    """The person's last 50 notifications, read or not, newest first."""
    return list(Notification.objects.filter(user=user)[:FEED_SIZE])


# unread_count as one plain statement (parameter: the user's id), for the header's bell.
UNREAD_COUNT_SQL = (
    f"SELECT count(*) FROM {Notification._meta.db_table} WHERE user_id = %s AND read_at IS NULL"
)


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
