from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def unread(request) -> dict:
    """The bell's count in the header; counted only if a template shows it."""
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user=request.user))}
