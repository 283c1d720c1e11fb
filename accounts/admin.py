from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import PhoneCode, PhoneReveal, User
from accounts.services import user_tokens_revoke
from zattar.admin import ReadOnlyAdmin


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


class PhoneVerifiedFilter(admin.SimpleListFilter):
    title = _("phone verified")
    parameter_name = "phone_verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset: QuerySet[User]):
        if self.value() in ("yes", "no"):
            return queryset.filter(phone_verified_at__isnull=self.value() == "no")
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
    list_filter = [
        LockoutFilter,
        PhoneVerifiedFilter,
        "is_staff",
        "is_active",
        "city",
        "date_joined",
    ]
    search_fields = ["email", "phone", "name"]
    readonly_fields = [
        "rating_avg",
        "rating_count",
        "date_joined",
        "last_login",
        "phone_verified_at",
    ]
    actions = ["unlock"]
    fieldsets = [
        (None, {"fields": ["email", "phone", "phone_verified_at", "show_phone", "password"]}),
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
        if change and "phone" in form.changed_data:  # a number typed here is not verified
            obj.phone_verified_at = None
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


@admin.register(PhoneReveal)
class PhoneRevealAdmin(ReadOnlyAdmin):
    """Who saw whose phone number, from which ad and address: a viewer collecting numbers
    shows here (at most PHONE_REVEALS_PER_DAY sellers a day each)."""

    list_display = ["created_at", "viewer", "seller", "listing", "ip"]
    list_select_related = ["viewer", "seller", "listing"]
    list_filter = ["created_at"]
    search_fields = ["=viewer__id", "viewer__email", "=seller__id", "seller__email", "=ip"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    raw_id_fields = ["viewer", "seller", "listing"]


@admin.register(PhoneCode)
class PhoneCodeAdmin(ReadOnlyAdmin):
    """Codes sent by SMS (their hashes are not shown): who asked for which number, from where,
    and whether it was confirmed."""

    list_display = ["created_at", "user", "phone", "ip", "sent_at", "attempts", "used_at"]
    list_select_related = ["user"]
    list_filter = ["created_at"]
    search_fields = ["=phone", "user__email", "=ip"]
    ordering = ["-created_at"]
    fields = [
        "user",
        "phone",
        "ip",
        "created_at",
        "expires_at",
        "sent_at",
        "attempts",
        "used_at",
    ]
