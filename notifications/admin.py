"""What Zattar told people, for support ("I never got the e-mail"): read-only. The Moderators
group is not given these permissions; a superuser or support staff granted view_* see them."""

from django.contrib import admin

from notifications.models import Notification, PushSubscription
from zattar.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at", "emailed_at", "pushed_at"]
    list_filter = ["kind", "event"]
    search_fields = ["user__email", "key"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "user", "kind", "event", "key", "title", "body", "url",
        "created_at", "read_at", "emailed_at", "pushed_at",
    ]  # fmt: skip


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "user_agent", "created_at", "last_used_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user", "endpoint", "user_agent", "created_at", "last_used_at"]

    def has_delete_permission(self, request, obj=None) -> bool:  # a lost browser: support ends it
        return request.user.has_perm("notifications.delete_pushsubscription")
