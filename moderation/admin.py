from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from moderation.models import Ban
from zattar.admin import ReadOnlyAdmin

# --- bans ---------------------------------------------------------------------------------------
# The history of bans, read-only: a ban is made and lifted from the users' list (its actions, or
# the "active" switch), where moderation.services does everything a ban means.


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = ["user", "reason", "created_at", "banned_by", "in_force", "lifted_at"]
    list_filter = ["reason", ("lifted_at", admin.EmptyFieldListFilter), "created_at"]
    list_select_related = ["user", "banned_by"]
    search_fields = ["user__email", "user__phone", "user__name"]
    readonly_fields = [
        "user",
        "reason",
        "note",
        "banned_by",
        "created_at",
        "lifted_at",
        "lifted_by",
    ]
    date_hierarchy = "created_at"

    @admin.display(boolean=True, description=_("in force"))
    def in_force(self, ban: Ban) -> bool:
        return ban.lifted_at is None
