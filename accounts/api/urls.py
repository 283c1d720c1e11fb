from django.urls import path
from rest_framework_simplejwt.views import TokenRefreshView

from accounts.api import views
from zattar.throttling import rate_limit

urlpatterns = [
    path("register", views.RegisterView.as_view(), name="user-register"),
    path("login", views.LoginView.as_view(), name="user-login"),
    path(
        "token/refresh",
        rate_limit("token_refresh")(TokenRefreshView.as_view()),
        name="token-refresh",
    ),
    path("me", views.MeView.as_view(), name="user-me"),
]
