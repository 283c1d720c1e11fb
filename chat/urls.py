from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("start/<int:listing_id>/", views.start, name="start"),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("<int:conversation_id>/send/", views.send, name="send"),
    path("block/<int:user_id>/", views.block, name="block"),
    path("unblock/<int:user_id>/", views.unblock, name="unblock"),
]
