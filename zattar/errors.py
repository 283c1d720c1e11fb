"""The base of every app's domain errors: services raise them, one handler maps them to HTTP."""

from typing import Any, ClassVar


class DomainError(Exception):
    """A rule of the marketplace refused an action. The message is shown to the user."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "invalid"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"detail": str(self.detail), "code": self.code, **self.extra}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unavailable(DomainError):
    """A service the action needs (the file storage, ...) is down: nothing was saved, and
    trying again later may work."""

    status_code = 503
    code = "unavailable"
