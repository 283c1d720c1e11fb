"""When a person last had a page of the site open: the chat's e-mails go only to people who
did not see the message on a page.

Every socket stamps "seen now" in the cache (Redis) when it opens and when it closes, and the
badge socket that every page opens stamps again whenever a message to the person reaches it.
So a person who had any page open at some time after a message has a stamp at or after it:
a page opened later stamped on connect, a page open at that time stamped when the message's
announcement reached it (or when it closed). No count of open sockets is kept, so a server
that dies with sockets open leaves nothing stale behind. Best effort: with the cache away a
stamp is lost, and at worst one e-mail goes that need not have."""

import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(user_id: int) -> str:
    return f"presence:{user_id}"


def _keep_seconds() -> int:
    # Long enough for the chat's e-mail sweep to ask about any message it may still send for.
    return settings.CHAT_EMAIL_DELAY_SECONDS + 2 * settings.CHAT_EMAIL_INTERVAL_SECONDS + 600


def seen(user_id: int) -> None:
    """The person has a page open now."""
    try:
        cache.set(_key(user_id), time.time(), _keep_seconds())
    except Exception as error:  # the cache (Redis) away: the socket works on without it
        logger.warning("presence not recorded: %r", error)


def last_seen(user_ids: list[int]) -> dict[int, datetime]:
    """When each of these people last had a page open, for those with a stamp."""
    try:
        stamps = cache.get_many([_key(user_id) for user_id in user_ids])
    except Exception as error:
        logger.warning("presence not read: %r", error)
        return {}
    return {
        user_id: datetime.fromtimestamp(stamps[_key(user_id)], tz=UTC)
        for user_id in user_ids
        if _key(user_id) in stamps
    }
