from zattar.errors import Conflict, DomainError, NotFound


class ReportTargetNotFound(NotFound):
    code = "not_found"


class InvalidReport(DomainError):
    code = "invalid_report"


class AlreadyReported(Conflict):
    code = "already_reported"


class NotBanned(Conflict):
    code = "not_banned"


class AlreadyBanned(Conflict):
    code = "already_banned"


class InvalidDecision(DomainError):
    code = "invalid_decision"


# --- bans ---------------------------------------------------------------------------------------


class CannotBan(DomainError):
    code = "cannot_ban"


class BanUserNotFound(NotFound):
    code = "not_found"
