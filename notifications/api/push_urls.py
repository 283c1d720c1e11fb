from django.urls import path

from notifications.api import push

urlpatterns = [
    path(
        "users/me/push-subscriptions",
        push.PushSubscriptionsView.as_view(),
        name="push-subscriptions",
    ),
    path("push/key", push.PushKeyView.as_view(), name="push-key"),
]
