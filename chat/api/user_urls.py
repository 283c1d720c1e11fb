"""Blocks, under /api/v1/users/ beside the accounts app's own paths."""

from django.urls import path

from chat.api import views

urlpatterns = [
    path("me/blocked", views.BlockedListView.as_view(), name="user-blocked-list"),
    path("<int:user_id>/block", views.UserBlockView.as_view(), name="user-block"),
]
