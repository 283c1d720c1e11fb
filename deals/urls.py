from django.urls import path

from deals import views

app_name = "deals"

urlpatterns = [
    path("", views.my_deals, name="mine"),
    path("buy/<int:listing_id>/", views.start, name="start"),
    path("<int:deal_id>/", views.detail, name="detail"),
    path("<int:deal_id>/transition/", views.transition, name="transition"),
    path("<int:deal_id>/review/", views.review, name="review"),
    path("<int:deal_id>/dispute-photos/", views.dispute_photos, name="dispute_photos"),
    path(
        "<int:deal_id>/dispute-photos/<int:photo_id>/<str:size>.jpg",
        views.dispute_photo,
        name="dispute_photo",
    ),
]
