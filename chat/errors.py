from django.utils.translation import gettext_lazy as _

from zattar.errors import DomainError, Forbidden, NotFound


class ConversationNotFound(NotFound):
    """Also what a stranger gets: to anyone but its two people a conversation does not exist."""

    def __init__(self) -> None:
        super().__init__(_("No such conversation."))


class CannotStartConversation(DomainError):
    code = "cannot_start_conversation"


class InvalidMessage(DomainError):
    code = "invalid_message"


class FloodLimited(DomainError):
    status_code = 429
    code = "throttled"  # the same 429 as every rate limit (zattar.throttling)


class MessageNotSaved(DomainError):
    """The database did not answer: nothing was saved, and the client may send it again."""

    status_code = 503
    code = "unavailable"


class RecipientBanned(Forbidden):
    """The other person was banned by the moderators: the history stays, nothing new reaches
    him."""

    code = "recipient_banned"


class Blocked(Forbidden):
    """One of the two people blocked the other: nothing new passes between them."""

    code = "blocked"


class CannotBlock(DomainError):
    code = "cannot_block"
