from django.urls import path

from chat.api import views

urlpatterns = [
    path("conversations", views.ConversationListView.as_view(), name="conversation-list"),
    path(
        "conversations/<int:listing_id>/<int:seller_id>",
        views.ConversationStartView.as_view(),
        name="conversation-start",
    ),
    path(
        "conversations/<int:conversation_id>",
        views.ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
    path(
        "conversations/<int:conversation_id>/messages",
        views.MessageListCreateView.as_view(),
        name="conversation-messages",
    ),
]
