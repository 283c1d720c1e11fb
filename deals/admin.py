from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals import selectors, services
from deals.models import DealEvent, EscrowEntry, Review, SafeDeal
from deals.transitions import TRANSITIONS, Role, Status
from listings.templatetags.listings import tenge
from zattar.admin import ReadOnlyInline
from zattar.errors import DomainError


class EventInline(ReadOnlyInline):
    model = DealEvent
    fields = ["created_at", "what", "actor", "note"]

    @admin.display(description=_("what happened"))
    def what(self, event: DealEvent) -> str:
        return event.in_words


class LedgerInline(ReadOnlyInline):
    model = EscrowEntry
    fields = ["created_at", "kind", "money", "state", "reference"]

    @admin.display(description=_("amount"))
    def money(self, entry: EscrowEntry) -> str:
        return tenge(entry.amount)


class DisputesWaiting(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("disputes", _("Disputes waiting (oldest first)"))]

    def queryset(self, request, queryset):
        if self.value() == "disputes":
            return queryset.filter(status=Status.DISPUTED).order_by("updated_at", "id")
        return queryset


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Resolution note"), widget=forms.Textarea, max_length=1000)


def resolve(target: Status, description):
    """An admin action for one move of the table, asking the moderator for the note."""
    rule = TRANSITIONS[(Status.DISPUTED, target)]
    assert Role.MODERATOR in rule.roles

    @admin.action(description=description, permissions=["moderate"])
    def action(modeladmin, request, queryset):
        form = NoteForm(request.POST if "note" in request.POST else None)
        if not form.is_valid():
            return render(
                request,
                "admin/deals/resolve.html",
                {
                    "form": form,
                    "deals": queryset,
                    "action": request.POST["action"],
                    "title": description,
                    "opts": modeladmin.model._meta,
                },
            )
        done = 0
        for deal in queryset:
            try:
                services.deal_transition(
                    deal_id=deal.pk,
                    actor=request.user,
                    target=target,
                    note=form.cleaned_data["note"],
                )
                done += 1
            except DomainError as error:
                modeladmin.message_user(request, f"#{deal.pk}: {error.detail}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(n)d deals resolved.") % {"n": done})
        return None

    action.__name__ = f"resolve_{target.value.lower()}"
    return action


@admin.register(SafeDeal)
class SafeDealAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "listing",
        "buyer",
        "seller",
        "money",
        "status",
        "ship_by",
        "confirm_by",
        "updated_at",
    ]
    list_filter = [DisputesWaiting, "status"]
    list_select_related = ["listing", "buyer", "seller"]
    search_fields = ["=id", "listing__title", "buyer__email", "seller__email", "tracking_number"]
    readonly_fields = [*(f.name for f in SafeDeal._meta.fields), "money", "dispute_context"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "listing",
                    "buyer",
                    "seller",
                    "money",
                    "status",
                    "ship_by",
                    "confirm_by",
                    "created_at",
                    "closed_at",
                ]
            },
        ),
        (
            _("Delivery"),
            {
                "fields": [
                    "delivery_carrier",
                    "delivery_recipient",
                    "delivery_phone",
                    "delivery_city",
                    "delivery_address",
                    "delivery_pickup_point",
                    "carrier",
                    "tracking_number",
                ]
            },
        ),
        (
            _("Dispute"),
            {"fields": ["dispute_reason", "dispute_context", "cancel_reason", "resolution_note"]},
        ),
    ]
    inlines = [EventInline, LedgerInline]
    actions = [
        resolve(Status.COMPLETED, _("Resolve for the seller (release the money)")),
        resolve(Status.CANCELLED, _("Resolve for the buyer (refund the money)")),
    ]

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, deal: SafeDeal) -> str:
        return tenge(deal.amount)

    @admin.display(description=_("the ad, the conversation and the photos"))
    def dispute_context(self, deal: SafeDeal) -> str:
        return render_to_string(
            "admin/deals/dispute_context.html", selectors.dispute_context(deal=deal)
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("deals.moderate_safedeal")


class HiddenFilter(admin.SimpleListFilter):
    title = _("shown")
    parameter_name = "hidden"

    def lookups(self, request, model_admin):
        return [("no", _("Shown")), ("yes", _("Hidden by a moderator"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(hidden_at__isnull=self.value() == "no")
        return queryset


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Reviews are never deleted here (the rating would go stale): a moderator hides one with
    a reason, or shows it again; the rating is recomputed and the audit log records it."""

    list_display = ["id", "deal", "author", "subject", "rating", "created_at", "hidden_at"]
    list_select_related = ["deal", "author", "subject"]
    list_filter = [HiddenFilter, "rating"]
    readonly_fields = [
        "deal",
        "author",
        "subject",
        "rating",
        "text",
        "created_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]
    actions = ["hide", "show"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_hide_permission(self, request) -> bool:
        return request.user.has_perm("deals.hide_review")

    def _each(self, request, queryset, change, done_message) -> None:
        done = 0
        for review in queryset:
            try:
                change(review)
                done += 1
            except DomainError as error:
                self.message_user(request, f"#{review.pk}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Hide the selected reviews (with a reason)"), permissions=["hide"])
    def hide(self, request, queryset):
        from moderation.forms import ReasonForm, action_form

        form, page = action_form(self, request, queryset, ReasonForm, gettext("Hide reviews"))
        if form is None:
            return page
        self._each(
            request,
            queryset,
            lambda review: services.review_hide(
                review_id=review.pk, moderator=request.user, reason=form.cleaned_data["reason"]
            ),
            gettext("Reviews hidden: %(n)d."),
        )
        return None

    @admin.action(description=_("Show the selected reviews again"), permissions=["hide"])
    def show(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda review: services.review_show(review_id=review.pk, moderator=request.user),
            gettext("Reviews shown again: %(n)d."),
        )
