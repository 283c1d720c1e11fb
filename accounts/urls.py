from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts import views
from accounts.forms import LoginForm, PasswordResetForm
from zattar.throttling import rate_limit

app_name = "accounts"


def notice(title, text, link, link_label) -> dict:
    """What registration/notice.html shows on the pages that only confirm something happened."""
    return {
        "template_name": "registration/notice.html",
        "extra_context": {
            "notice_title": title,
            "notice_text": text,
            "notice_link": link,
            "notice_link_label": link_label,
        },
    }


urlpatterns = [
    path("register/", views.register, name="register"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("users/<int:user_id>/", views.profile, name="profile"),
    path("phone/", views.phone, name="phone"),
    path("phone/send/", views.phone_send, name="phone_send"),
    path("phone/confirm/", views.phone_confirm, name="phone_confirm"),
    path("users/<int:user_id>/phone/reveal/", views.phone_reveal, name="phone_reveal"),
    path(
        "password/change/",
        rate_limit("password_change")(
            auth_views.PasswordChangeView.as_view(
                success_url=reverse_lazy("accounts:password_change_done")
            )
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            **notice(
                _("Password changed"),
                _("Your new password is in use."),
                reverse_lazy("accounts:profile_edit"),
                _("Back to my profile"),
            )
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        rate_limit("password_reset")(
            auth_views.PasswordResetView.as_view(
                form_class=PasswordResetForm,
                success_url=reverse_lazy("accounts:password_reset_done"),
                email_template_name="registration/password_reset_email.txt",
                subject_template_name="registration/password_reset_subject.txt",
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            **notice(
                _("Check your email"),
                _(
                    "If an account uses this email, we have sent it a link to choose a new "
                    "password."
                ),
                reverse_lazy("home"),
                _("Back to the home page"),
            )
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            **notice(
                _("Password saved"),
                _("Your new password is set. You can log in with it now."),
                reverse_lazy("accounts:login"),
                _("Log in"),
            )
        ),
        name="password_reset_complete",
    ),
]
