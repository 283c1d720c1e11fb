from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import user_tokens_revoke


def locked_out_attempts():
    """The addresses an account is locked from now: axes keeps a row per account, address and
    browser, and the failures of one account from one address, in any browsers, within the
    cool-off lock it from that address (keyed by the account's email, see accounts.lockout)."""
    return (
        AccessAttempt.objects.filter(
            username=OuterRef("email"),
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        )
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )


class LockoutFilter(admin.SimpleListFilter):
    title = _("lockout")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Locked out")), ("no", _("Not locked out"))]

    def queryset(self, request, queryset: QuerySet[User]):
        if self.value() == "yes":
            return queryset.filter(is_locked_out=True)
        if self.value() == "no":
            return queryset.filter(is_locked_out=False)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = [
        "email",
        "phone",
        "name",
        "city",
        "rating_avg",
        "rating_count",
        "is_staff",
        "is_active",
        "locked_out",
        "date_joined",
    ]
    list_select_related = ["city"]
    list_filter = [LockoutFilter, "is_staff", "is_active", "city", "date_joined"]
    search_fields = ["email", "phone", "name"]
    readonly_fields = ["rating_avg", "rating_count", "date_joined", "last_login"]
    actions = ["unlock"]
    fieldsets = [
        (None, {"fields": ["email", "phone", "password"]}),
        (_("Profile"), {"fields": ["name", "city", "avatar", "rating_avg", "rating_count"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "phone", "name", "password1", "password2"]},
        ),
    ]

    def save_model(self, request, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Refresh tokens die for good: reactivating the account does not bring them back.
            user_tokens_revoke(user=obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(is_locked_out=Exists(locked_out_attempts()))

    @admin.display(boolean=True, description=_("locked out"), ordering="is_locked_out")
    def locked_out(self, user: User) -> bool:
        return user.is_locked_out

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request, queryset: QuerySet[User]) -> None:
        for email in queryset.values_list("email", flat=True):
            axes_reset(username=email)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
