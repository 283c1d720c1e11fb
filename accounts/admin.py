from functools import partial

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import PhoneCode, PhoneReveal, User
from accounts.services import user_tokens_revoke
from moderation.models import Ban
from moderation.selectors import ban_open_for
from moderation.services import user_ban, user_unban
from zattar.admin import ReadOnlyAdmin
from zattar.errors import DomainError


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
    actions = ["unlock", "ban", "lift_ban"]
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
        if not (change and "is_active" in form.changed_data) or obj.is_staff or obj.is_superuser:
            super().save_model(request, obj, form, change)
            if change and "is_active" in form.changed_data and not obj.is_active:
                # Refresh tokens die for good: reactivating the account does not bring them back.
                user_tokens_revoke(user=obj)
            return
        # Unticking "active" bans the user (his ads hidden, deals disputed, audit row), ticking
        # it lifts the ban: the other changes are saved first, the switch is the service's.
        activate = obj.is_active
        obj.is_active = not activate
        super().save_model(request, obj, form, change)
        try:
            if activate:
                if ban_open_for(user_id=obj.pk) is None:  # deactivated before bans existed
                    obj.is_active = True
                    obj.save(update_fields=["is_active"])
                else:
                    user_unban(user_id=obj.pk, moderator=request.user)
            else:
                user_ban(
                    user_id=obj.pk,
                    moderator=request.user,
                    reason=Ban.Reason.OTHER,
                    note=gettext("Deactivated in the admin."),
                )
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
        obj.refresh_from_db(fields=["is_active"])

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

    def has_ban_permission(self, request) -> bool:
        return request.user.has_perm("moderation.add_ban")

    @admin.action(description=_("Ban the selected users"), permissions=["ban"])
    def ban(self, request, queryset: QuerySet[User]):
        """Asks for the reason on a page of its own, then bans each user (moderation.services)."""
        form = BanForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            return render(
                request,
                "admin/accounts/ban.html",
                {
                    **self.admin_site.each_context(request),
                    "form": form,
                    "users": queryset,
                    "action": request.POST["action"],
                    "title": _("Ban the selected users"),
                    "opts": self.model._meta,
                },
            )
        data = form.cleaned_data
        done = self._each_user(
            request,
            queryset,
            partial(user_ban, moderator=request.user, reason=data["reason"], note=data["note"]),
        )
        if done:
            self.message_user(request, gettext("Users banned: %(count)d.") % {"count": done})
        return None

    @admin.action(description=_("Lift the ban of the selected users"), permissions=["ban"])
    def lift_ban(self, request, queryset: QuerySet[User]) -> None:
        done = self._each_user(request, queryset, partial(user_unban, moderator=request.user))
        if done:
            self.message_user(request, gettext("Bans lifted: %(count)d.") % {"count": done})

    def _each_user(self, request, queryset: QuerySet[User], call) -> int:
        """`call(user_id=...)` for each selected user; a refusal is shown and the rest go on."""
        done = 0
        for user in queryset:
            try:
                call(user_id=user.pk)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{user.email}: {error.detail}", messages.ERROR)
        return done


class BanForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "---------"), *Ban.Reason.choices])
    note = forms.CharField(
        label=_("Note for the moderators"), widget=forms.Textarea, required=False, max_length=2000
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
