from django.utils.functional import SimpleLazyObject

from chat.selectors import unread_total


def unread(request) -> dict:
    """The header's unread badge; counted only if a template shows it."""
    return {"chat_unread": SimpleLazyObject(lambda: unread_total(user=request.user))}
