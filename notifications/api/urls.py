"""Notifications, under /api/v1/users/ beside the accounts app's own paths."""

from django.urls import path

from notifications.api import views

urlpatterns = [
    path("me/notifications", views.PreferencesView.as_view(), name="user-notifications"),
    path("me/notifications/feed", views.FeedView.as_view(), name="user-notifications-feed"),
    path(
        "me/notifications/feed/read",
        views.FeedReadView.as_view(),
        name="user-notifications-read",
    ),
]
