from django.urls import path

from searches.api import views

urlpatterns = [
    path("me/saved-searches", views.SavedSearchListView.as_view(), name="saved-search-list"),
    path(
        "me/saved-searches/<int:pk>",
        views.SavedSearchDetailView.as_view(),
        name="saved-search-detail",
    ),
]
