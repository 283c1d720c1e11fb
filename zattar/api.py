"""The /api/v1/ router: every app's API urls and the OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("v1/users/", include("accounts.api.urls")),
    path("v1/users/", include("chat.api.user_urls")),
    path("v1/users/", include("notifications.api.urls")),
    path("v1/users/", include("searches.api.urls")),
    path("v1/", include("listings.api.urls")),
    path("v1/chat/", include("chat.api.urls")),
    path("v1/", include("deals.api.urls")),
    path("v1/", include("moderation.api.urls")),
    path("v1/", include("notifications.api.push_urls")),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
