"""Reads of the notifications app."""

from notifications.models import Notification

FEED_SIZE = 50


def feed(*, user) -> list[Notification]:
    """The person's last 50 notifications, read or not, newest first."""
    return list(Notification.objects.filter(user=user)[:FEED_SIZE])


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
