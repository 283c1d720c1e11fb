from django.urls import path

from listings import views

app_name = "listings"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/count/", views.search_count, name="search_count"),
    path("ads/new/", views.create, name="create"),
    path("ads/photos/", views.photo_upload, name="photo_upload"),
    path(
        "ads/photos/<int:photo_id>/delete/", views.photo_upload_delete, name="photo_upload_delete"
    ),
    path("ads/validate/", views.validate_field, name="validate"),
    # The ad's page is /ads/<id>-<slug>/; /ads/<id>/ (old links, titles with no Latin-writable
    # letter) and a wrong slug answer 301 to it. Both are named "detail": reverse() picks by args.
    path("ads/<int:pk>-<slug:slug>/", views.detail, name="detail"),
    path("ads/<int:pk>/", views.detail, name="detail"),
    path("ads/<int:pk>/edit/", views.edit, name="edit"),
    path("ads/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("ads/<int:pk>/photos/<int:image_id>/", views.photo_change, name="photo_change"),
    path("ads/<int:pk>/status/", views.change_status, name="status"),
    path("ads/<int:pk>/renew/", views.renew, name="renew"),
    path("ads/<int:pk>/raise/", views.raise_to_top, name="raise"),
    path("ads/<int:pk>/delete/", views.delete, name="delete"),
    path("ads/<int:pk>/favorite/", views.favorite_toggle, name="favorite"),
    path("my/ads/", views.my_ads, name="my_ads"),
    path("my/favorites/", views.favorites, name="favorites"),
]
