"""Admin pieces the apps share."""

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """A record shown under its parent in the admin: every field read-only, nothing added or
    deleted there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False
