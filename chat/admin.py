from django.contrib import admin

from chat.models import Conversation, Message, UserBlock
from zattar.admin import ReadOnlyAdmin, ReadOnlyInline


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "sender", "body", "warning", "read_at"]
    ordering = ["id"]


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["id", "listing", "buyer", "seller", "created_at", "last_message_at"]
    list_select_related = ["listing", "buyer", "seller"]
    search_fields = ["=id", "listing__title", "buyer__email", "seller__email"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "conversation", "sender", "body", "warning", "created_at", "read_at"]
    list_filter = ["warning"]
    list_select_related = ["conversation", "sender"]
    search_fields = ["body", "sender__email", "=conversation__id"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(UserBlock)
class UserBlockAdmin(ReadOnlyAdmin):
    """Who blocked whom: a hint for moderators (many blocks of one person say something)."""

    list_display = ["blocker", "blocked", "created_at"]
    list_select_related = ["blocker", "blocked"]
    search_fields = ["blocker__email", "blocked__email"]
    date_hierarchy = "created_at"
