from django.urls import path

from listings.api import views

urlpatterns = [
    path("categories", views.CategoryTreeView.as_view(), name="category-tree"),
    path("cities", views.CityListView.as_view(), name="city-list"),
    path("listings", views.ListingListCreateView.as_view(), name="listing-list"),
    path("listings/<int:pk>", views.ListingDetailView.as_view(), name="listing-detail"),
    path("listings/<int:pk>/mark-sold", views.MarkSoldView.as_view(), name="listing-mark-sold"),
    path("listings/<int:pk>/renew", views.RenewView.as_view(), name="listing-renew"),
    path("listings/<int:pk>/raise", views.RaiseView.as_view(), name="listing-raise"),
    path("listings/<int:pk>/images", views.ImageUploadView.as_view(), name="listing-images"),
    path(
        "listings/<int:pk>/images/reorder",
        views.ImageReorderView.as_view(),
        name="listing-images-reorder",
    ),
    path(
        "listings/<int:pk>/images/<int:image_id>",
        views.ImageDeleteView.as_view(),
        name="listing-image",
    ),
    path("listings/<int:pk>/favorite", views.FavoriteView.as_view(), name="listing-favorite"),
    path("users/me/favorites", views.MyFavoritesView.as_view(), name="my-favorites"),
]
