from django.utils.translation import gettext_lazy as _

from zattar.errors import DomainError, Unavailable


class LoginFailed(DomainError):
    status_code = 401
    code = "login_failed"

    def __init__(self) -> None:
        super().__init__(_("The login or password is wrong."))


class LockedOut(DomainError):
    status_code = 429
    code = "locked_out"


class AvatarStorageUnavailable(Unavailable):
    code = "storage_unavailable"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The photo could not be saved: the photo storage is not answering. Nothing was "
                "changed; try again in a few minutes."
            ),
            retry_after=60,
        )


class AccountBlocked(DomainError):
    """The right password of a banned (or deactivated) account."""

    status_code = 403
    code = "account_banned"


def account_blocked_message(user) -> str:
    """What a blocked user is told when logging in: the reason of the ban in force, if any."""
    from django.utils.translation import gettext

    from moderation.selectors import ban_open_for

    ban = ban_open_for(user_id=user.pk)
    if ban is None:
        return gettext(
            "Your account is blocked. Contact Zattar support if you think this is a mistake."
        )
    return gettext(
        "Your account is blocked: %(reason)s. Contact Zattar support if you think this is a "
        "mistake."
    ) % {"reason": ban.get_reason_display()}
