from django.urls import path

from accounts.api import views
from zattar.throttling import rate_limit

urlpatterns = [
    path("register", views.RegisterView.as_view(), name="user-register"),
    path("login", views.LoginView.as_view(), name="user-login"),
    path(
        "token/refresh",
        rate_limit("token_refresh")(views.TokenRefreshView.as_view()),
        name="token-refresh",
    ),
    path("me", views.MeView.as_view(), name="user-me"),
    path("me/password", views.PasswordChangeView.as_view(), name="user-password"),
    path("me/phone/verify", views.PhoneVerifyView.as_view(), name="user-phone-verify"),
    path("me/phone/confirm", views.PhoneConfirmView.as_view(), name="user-phone-confirm"),
    path("<int:user_id>/phone/reveal", views.PhoneRevealView.as_view(), name="user-phone-reveal"),
]
