from django.contrib import admin

from chat.models import Conversation, Message
from zattar.admin import ReadOnlyAdmin, ReadOnlyInline


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "sender", "body", "read_at"]
    ordering = ["id"]


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["id", "listing", "buyer", "seller", "created_at", "last_message_at"]
    list_select_related = ["listing", "buyer", "seller"]
    search_fields = ["=id", "listing__title", "buyer__email", "seller__email"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "conversation", "sender", "body", "created_at", "read_at"]
    list_select_related = ["conversation", "sender"]
    search_fields = ["body", "sender__email", "=conversation__id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
