from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.phones import NOT_MOBILE
from zattar.errors import Conflict, DomainError, Forbidden, NotFound, Unavailable


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


class PhoneUnverified(Forbidden):
    """Posting an ad, starting a Safe Deal and revealing a seller's number need a verified
    phone; the answer links to where the user verifies one."""

    code = "phone_unverified"

    def __init__(self) -> None:
        super().__init__(
            _("Verify your phone number first: we send a code to it by SMS."),
            verify_url=reverse_lazy("accounts:phone"),
        )

    def as_dict(self) -> dict:
        return {**super().as_dict(), "verify_url": str(self.extra["verify_url"])}


class PhoneTaken(Conflict):
    code = "phone_taken"

    def __init__(self) -> None:
        super().__init__(
            _("Another account has verified this number. Enter another mobile number.")
        )


class PhoneAlreadyVerified(Conflict):
    code = "phone_already_verified"

    def __init__(self) -> None:
        super().__init__(_("This number is verified already."))


class PhoneCodeExpired(DomainError):
    code = "code_expired"

    def __init__(self) -> None:
        super().__init__(_("This code is no longer valid: ask for a new one."))


class PhoneCodeWrong(DomainError):
    code = "wrong_code"

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(_("The code is wrong."), attempts_left=attempts_left)


class PhoneHidden(NotFound):
    code = "phone_hidden"

    def __init__(self) -> None:
        super().__init__(_("This seller talks in the chat only."))


class PhoneRevealsUsedUp(DomainError):
    status_code = 429
    code = "throttled"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            _("You have seen the numbers of enough sellers today. Write to them in the chat."),
            retry_after=retry_after,
        )


class PhoneNotMobile(DomainError):
    """The account's number (typed before only mobiles were accepted) cannot receive an SMS."""

    code = "not_mobile"

    def __init__(self) -> None:
        super().__init__(NOT_MOBILE)


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
