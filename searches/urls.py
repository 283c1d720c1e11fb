from django.urls import path

from searches import views

app_name = "searches"

urlpatterns = [
    path("", views.saved_search_list, name="list"),
    path("save/", views.saved_search_create, name="create"),
    path("<int:pk>/", views.saved_search_change, name="change"),
    path("<int:pk>/delete/", views.saved_search_delete, name="delete"),
]
