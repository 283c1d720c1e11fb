from django.utils.translation import gettext_lazy as _

from zattar.errors import DomainError


class LoginFailed(DomainError):
    status_code = 401
    code = "login_failed"

    def __init__(self) -> None:
        super().__init__(_("The login or password is wrong."))


class LockedOut(DomainError):
    status_code = 429
    code = "locked_out"
