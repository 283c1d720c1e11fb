"""django-axes hooks: the lockout key, the per-address login limit, and the answer a refused
login gets.

Two rules, checked before any password on every login path (the HTML form, the API, the admin):
- five failures for one account from one address lock that account *from that address* for the
  cool-off, so a stranger cannot keep the owner out: the owner logs in from anywhere else;
- too many failures from one address, over any accounts (RATE_LIMITS["login"]), refuse every
  login from that address until its window ends: spraying passwords over many accounts.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.selectors import user_by_login
from zattar import throttling

LOGIN_ACTION = "login"


def account_key(request: HttpRequest, credentials: dict | None) -> str | None:
    """Failures typed as email or as phone count against the same account (its email)."""
    login = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if not login:
        return None
    user = user_by_login(login)
    return user.email if user else login.strip().lower()


class LoginLimitHandler(AxesDatabaseHandler):
    """Axes' database handler (locks per account and address, AXES_LOCKOUT_PARAMETERS) plus a
    count of failed logins per address in the shared cache."""

    def is_allowed(self, request, credentials: dict | None = None) -> bool:
        try:
            throttling.check(request, LOGIN_ACTION)
        except throttling.Throttled as refused:
            request.login_throttled = refused
            return False
        return super().is_allowed(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # The right password of a banned account is no guess (accounts.backends): not counted.
        if request is not None and getattr(request, "login_blocked_user", None) is not None:
            return
        # A login refused by either rule never reached a password: it is not a new failure.
        refused = request is not None and getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not refused:
            throttling.record(request, LOGIN_ACTION)


def retry_after_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = retry_after_seconds() // 60
    return _(
        "Too many failed login attempts. This account is locked for %(minutes)d minutes; "
        "try again later or reset your password."
    ) % {"minutes": minutes}


def refusal(request: HttpRequest) -> tuple[str, str, int]:
    """Why a login was refused: (message, code, seconds to wait)."""
    throttled = getattr(request, "login_throttled", None)
    if throttled is not None:
        return throttled.detail, throttled.code, throttled.retry_after
    return lockout_message(), "locked_out", retry_after_seconds()


def lockout_response(
    request: HttpRequest, response=None, credentials=None, *a, **kw
) -> HttpResponse:
    message, code, retry_after = refusal(request)
    if request.path.startswith("/api/"):
        answer = JsonResponse(
            {"detail": message, "code": code, "retry_after": retry_after}, status=429
        )
    else:
        from accounts.forms import LoginForm

        form = LoginForm(request, initial={"username": request.POST.get("username", "")})
        answer = render(
            request,
            "registration/login.html",
            {"form": form, "locked_out": message},
            status=429,
        )
    answer["Retry-After"] = str(retry_after)
    return answer
