"""django-axes hooks: one lockout key per account, and the answer a locked-out login gets."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.selectors import user_by_login


def account_key(request: HttpRequest, credentials: dict | None) -> str | None:
    """Failures typed as email or as phone count against the same account (its email)."""
    login = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if not login:
        return None
    user = user_by_login(login)
    return user.email if user else login.strip().lower()


def retry_after_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = retry_after_seconds() // 60
    return _(
        "Too many failed login attempts. This account is locked for %(minutes)d minutes; "
        "try again later or reset your password."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, response=None, credentials=None, *a, **kw
) -> HttpResponse:
    retry_after = retry_after_seconds()
    if request.path.startswith("/api/"):
        answer = JsonResponse(
            {"detail": lockout_message(), "code": "locked_out", "retry_after": retry_after},
            status=429,
        )
    else:
        from accounts.forms import LoginForm

        form = LoginForm(request, initial={"username": request.POST.get("username", "")})
        answer = render(
            request,
            "registration/login.html",
            {"form": form, "locked_out": lockout_message()},
            status=429,
        )
    answer["Retry-After"] = str(retry_after)
    return answer
