from django.urls import path

from deals.api import views

urlpatterns = [
    path("safe-deals", views.DealStartView.as_view(), name="deal-start"),
    path("safe-deals/buyer/deals", views.BuyerDealsView.as_view(), name="deals-buyer"),
    path("safe-deals/seller/deals", views.SellerDealsView.as_view(), name="deals-seller"),
    path("safe-deals/<int:deal_id>", views.DealDetailView.as_view(), name="deal-detail"),
    path(
        "safe-deals/<int:deal_id>/transition",
        views.DealTransitionView.as_view(),
        name="deal-transition",
    ),
    path("safe-deals/<int:deal_id>/review", views.ReviewView.as_view(), name="deal-review"),
    path(
        "safe-deals/<int:deal_id>/dispute-photos",
        views.DisputePhotosView.as_view(),
        name="deal-dispute-photos",
    ),
    path(
        "safe-deals/<int:deal_id>/dispute-photos/<int:photo_id>/<str:size>",
        views.DisputePhotoFileView.as_view(),
        name="deal-dispute-photo",
    ),
]
