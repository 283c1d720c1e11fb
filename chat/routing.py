from django.urls import path

from chat.consumers import ChatConsumer, NotificationsConsumer

websocket_urlpatterns = [
    path("api/v1/ws/chat/<int:conversation_id>/", ChatConsumer.as_asgi()),
    path("api/v1/ws/me/", NotificationsConsumer.as_asgi()),
]
