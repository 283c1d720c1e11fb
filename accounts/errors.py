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
