from django.utils.functional import SimpleLazyObject

from zattar import viewer


def unread(request) -> dict:
    """The header's two badges, unread chat messages and the bell's notifications: read only if
    a template shows them (every signed-in page does), with the page's hearts when the view
    asked for those first (zattar.viewer)."""
    return {
        "chat_unread": SimpleLazyObject(lambda: viewer.badges(request).chat_unread),
        "notifications_unread": SimpleLazyObject(
            lambda: viewer.badges(request).notifications_unread
        ),
    }
