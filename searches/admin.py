from django.contrib import admin

from searches.models import SavedSearch, SavedSearchHit


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """Read-only: the people's own searches, to answer "why did I get this e-mail"."""

    list_display = ["name", "user", "q", "city", "category", "frequency", "last_alert_at"]
    list_filter = ["frequency"]
    search_fields = ["name", "q", "user__email"]
    list_select_related = ["user", "city", "category"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SavedSearchHit)
class SavedSearchHitAdmin(admin.ModelAdmin):
    list_display = ["search", "listing", "matched_at", "sent_at"]
    list_select_related = ["search", "listing"]
    raw_id_fields = ["search", "listing"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
