"""The moderators' screens: the queues of ads and reports, the audit log, banned words, bans.
Actions call moderation.services; nothing here writes a field directly."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from moderation import selectors, services
from moderation.forms import BanForm, NoteForm, RejectForm
from moderation.models import (
    AuditEntry,
    Ban,
    BannedWord,
    ListingFlag,
    ListingOnReview,
    PeopleReport,
    Report,
    TargetType,
)
from zattar.admin import ReadOnlyAdmin
from zattar.errors import DomainError

# --- Reports about users and messages (helper reports) ---------------------------------------

REPORT_FIELDS = [
    "created_at",
    "reporter",
    "target_type",
    "target_id",
    "subject",
    "reason",
    "text",
    "resolved_at",
    "resolved_by",
    "resolution",
]


class ReportReadOnlyAdmin(admin.ModelAdmin):
    """Reports are what users said: moderators read and resolve them, never add, edit or delete."""

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The list's actions need "change"; a report's own page is read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PeopleTargetFilter(admin.SimpleListFilter):
    title = _("about")
    parameter_name = "about"

    def lookups(self, request, model_admin):
        return [(t.value, t.label) for t in (TargetType.USER, TargetType.MESSAGE)]

    def queryset(self, request, queryset: QuerySet[Report]) -> QuerySet[Report]:
        if self.value() in (TargetType.USER, TargetType.MESSAGE):
            return queryset.filter(target_type=self.value())
        return queryset


@admin.register(PeopleReport)
class PeopleReportAdmin(ReportReadOnlyAdmin):
    """The queue of open reports about users and chat messages, oldest first."""

    list_display = [
        "created_at",
        "target_type",
        "about",
        "reporter",
        "reason",
        "short_text",
        "open_on_target",
    ]
    list_display_links = ["created_at"]
    list_filter = [PeopleTargetFilter, "reason"]
    search_fields = ["subject__email", "subject__name", "reporter__email", "text"]
    fields = [*REPORT_FIELDS[:7], "context"]
    actions = ["dismiss", "uphold"]
    show_full_result_count = False

    def get_queryset(self, request) -> QuerySet[Report]:
        return selectors.people_reports_open(super().get_queryset(request))

    @admin.display(description=_("about user"), ordering="subject__email")
    def about(self, report: Report) -> str:
        url = reverse("admin:accounts_user_change", args=[report.subject_id])
        return format_html('<a href="{}">{}</a>', url, report.subject)

    @admin.display(description=_("text"))
    def short_text(self, report: Report) -> str:
        return report.text if len(report.text) <= 80 else f"{report.text[:79]}…"

    @admin.display(description=_("open reports on it"), ordering="open_on_target")
    def open_on_target(self, report: Report) -> int:
        return report.open_on_target

    @admin.display(description=_("context"))
    def context(self, report: Report) -> str:
        context = {"report": report}
        if report.target_type == TargetType.MESSAGE:
            context["chat"] = selectors.message_with_neighbours(message_id=report.target_id)
        else:
            context["listings"] = selectors.user_recent_listings(user_id=report.target_id)
        return render_to_string("admin/moderation/report_context.html", context)

    def _resolve(self, request, queryset: QuerySet[Report], resolution: str) -> None:
        targets = sorted({(r.target_type, r.target_id) for r in queryset})
        closed = sum(
            services.reports_resolve(
                target_type=target_type,
                target_id=target_id,
                moderator=request.user,
                resolution=resolution,
            )
            for target_type, target_id in targets
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d report closed (every open report on the same targets).",
                "%(count)d reports closed (every open report on the same targets).",
                closed,
            )
            % {"count": closed},
        )

    @admin.action(description=_("Dismiss: nothing wrong"), permissions=["change"])
    def dismiss(self, request, queryset: QuerySet[Report]) -> None:
        self._resolve(request, queryset, Report.Resolution.DISMISSED)

    @admin.action(description=_("Mark resolved: action taken"), permissions=["change"])
    def uphold(self, request, queryset: QuerySet[Report]) -> None:
        self._resolve(request, queryset, Report.Resolution.UPHELD)


@admin.register(Report)
class ReportAdmin(ReportReadOnlyAdmin):
    """Every report ever made, for looking things up (the queues are where they are resolved)."""

    list_display = ["created_at", "target_type", "target_id", "subject", "reporter", "reason"]
    list_display += ["resolution", "resolved_at"]
    list_select_related = ["subject", "reporter"]
    list_filter = ["target_type", "reason", "resolution"]
    search_fields = ["subject__email", "reporter__email", "=target_id"]
    fields = REPORT_FIELDS
    date_hierarchy = "created_at"
    show_full_result_count = False


# --- The audit log (helper queue) ------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read only for everyone, superusers included: an entry is written by the service that
    made the change, in its transaction, and never altered."""

    list_display = ["created_at", "actor", "action", "target_type", "target_id", "target_repr"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "target_type"]
    list_select_related = ["actor"]
    search_fields = ["=target_id", "target_repr"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "reason",
        "before_shown",
        "after_shown",
    ]
    readonly_fields = fields

    @admin.display(description=_("before"))
    def before_shown(self, entry: AuditEntry):
        return _json_block(entry.before)

    @admin.display(description=_("after"))
    def after_shown(self, entry: AuditEntry):
        return _json_block(entry.after)


def _json_block(value):
    return format_html(
        "<pre style='margin:0;white-space:pre-wrap'>{}</pre>",
        json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True),
    )


# --- The queue of ads on review (helper queue) -----------------------------------------------


def _open_reports():
    return Report.objects.filter(
        target_type=TargetType.LISTING, target_id=OuterRef("pk"), resolved_at__isnull=True
    )


@admin.register(ListingOnReview)
class ListingOnReviewAdmin(ReadOnlyAdmin):
    """Oldest first; one page per ad to approve it, reject it with a reason, or ban its seller.
    Everything here needs the permission moderation.moderate_listing."""

    list_display = ["title", "seller", "price", "category", "reasons", "report_count", "age"]
    list_select_related = ["seller", "category"]
    search_fields = ["title", "seller__email", "=id"]
    sortable_by = ()
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        # Not ModelAdmin's: that one orders before the annotation it orders by exists. A banned
        # seller's held ads wait outside the queue: lifting the ban brings them back to it.
        return (
            ListingOnReview.objects.filter(
                status=ListingOnReview.Status.ON_REVIEW, seller__is_active=True
            )
            .annotate(
                held_since=Coalesce(
                    Min("flags__created_at", filter=Q(flags__resolved_at__isnull=True)),
                    "updated_at",
                ),
                open_report_count=Coalesce(
                    Subquery(
                        _open_reports()
                        .order_by()
                        .values("target_id")
                        .annotate(n=Count("id"))
                        .values("n")
                    ),
                    0,
                ),
            )
            .prefetch_related(
                Prefetch(
                    "flags",
                    queryset=ListingFlag.objects.filter(resolved_at__isnull=True),
                    to_attr="open_flags",
                )
            )
            .order_by("held_since", "id")
        )

    def get_ordering(self, request):
        return ["held_since", "id"]

    @admin.display(description=_("reasons"))
    def reasons(self, listing) -> str:
        return ", ".join(str(flag.get_code_display()) for flag in listing.open_flags) or "—"

    @admin.display(description=_("open reports"))
    def report_count(self, listing) -> int:
        return listing.open_report_count

    @admin.display(description=_("waiting"))
    def age(self, listing) -> str:
        return timesince(listing.held_since)

    # The queue is the moderators' alone; nothing is added, edited or deleted through the
    # usual forms (ReadOnlyAdmin).
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("moderation.moderate_listing")

    def get_urls(self):
        own = [
            path(
                "<int:listing_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="moderation_listingonreview_decide",
            ),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The ad as the moderator judges it: read only, with every reason it is held, and the
        three decisions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        listing = get_object_or_404(
            ListingOnReview.objects.select_related("seller", "category", "city"),
            pk=object_id,
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": listing.title,
            "listing": listing,
            "on_review": listing.status == ListingOnReview.Status.ON_REVIEW,
            "images": listing.images.order_by("position", "id"),
            "flags": listing.flags.select_related("original__seller").order_by("created_at"),
            "reports": Report.objects.filter(target_type=TargetType.LISTING, target_id=listing.pk)
            .select_related("reporter")
            .order_by("resolved_at", "created_at"),
            "approve_form": NoteForm(prefix="approve"),
            "reject_form": RejectForm(prefix="reject"),
            "ban_form": BanForm(prefix="ban")
            if request.user.has_perm("moderation.add_ban")
            else None,
            "decide_url": reverse("admin:moderation_listingonreview_decide", args=[listing.pk]),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/moderation/listingonreview/review.html", context)

    @staticmethod
    def _decide(request, listing: ListingOnReview) -> str:
        """Run the decision the moderator chose; returns the message to show."""
        decision = request.POST.get("decision")
        if decision == "approve":
            form = NoteForm(request.POST, prefix="approve")
            if not form.is_valid():
                raise _FormInvalid(form)
            services.listing_approve_reviewed(
                listing_id=listing.pk,
                moderator=request.user,
                note=form.cleaned_data.get("note", ""),
            )
            return gettext("The ad “%(title)s” is approved.") % {"title": listing.title}
        if decision == "reject":
            form = RejectForm(request.POST, prefix="reject")
            if not form.is_valid():
                raise _FormInvalid(form)
            services.listing_reject_reviewed(
                listing_id=listing.pk,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            return gettext("The ad “%(title)s” is rejected; the seller is told why.") % {
                "title": listing.title
            }
        if decision == "ban":
            if not request.user.has_perm("moderation.add_ban"):
                raise PermissionDenied
            form = BanForm(request.POST, prefix="ban")
            if not form.is_valid():
                raise _FormInvalid(form)
            from moderation.services import user_ban  # helper `bans`

            user_ban(
                user_id=listing.seller_id,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            return gettext("The seller %(seller)s is banned.") % {"seller": listing.seller}
        raise _FormInvalid(None)

    @staticmethod
    def _invalid(form) -> str:
        if form is None:
            return gettext("Choose a decision.")
        return " ".join(str(e) for errors in form.errors.values() for e in errors)

    def decide_view(self, request, listing_id: int):
        return require_POST(self._decide_view)(request, listing_id)

    def _decide_view(self, request, listing_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        listing = get_object_or_404(ListingOnReview.objects.select_related("seller"), pk=listing_id)
        here = reverse("admin:moderation_listingonreview_change", args=[listing.pk])
        if listing.status != ListingOnReview.Status.ON_REVIEW:
            # Decided by someone else meanwhile, or never held: a live ad is held or rejected
            # from the ads' own admin, not here.
            self.message_user(
                request,
                gettext("This ad is no longer on review (%(status)s).")
                % {"status": listing.get_status_display()},
                messages.ERROR,
            )
            return HttpResponseRedirect(here)
        try:
            done = self._decide(request, listing)
        except _FormInvalid as invalid:
            self.message_user(request, self._invalid(invalid.form), messages.ERROR)
            return HttpResponseRedirect(here)
        except DomainError as error:
            self.message_user(request, str(error.detail), messages.ERROR)
            return HttpResponseRedirect(here)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:moderation_listingonreview_changelist"))


class _FormInvalid(Exception):
    def __init__(self, form) -> None:
        super().__init__("invalid decision form")
        self.form = form


# --- Banned words (helper `rules`): the list moderation.rules holds ads by -------------------


class BannedWordForm(forms.ModelForm):
    class Meta:
        model = BannedWord
        fields = ["word"]
        help_texts = {
            "word": _(
                "A word or phrase in Russian or Kazakh. It matches as a whole word in any letter "
                "case (ё and е alike), never inside a longer word; end it with * to match every "
                "word that begins with it (наркот* holds наркотик and наркотики)."
            )
        }

    def clean_word(self) -> str:
        word = " ".join(self.cleaned_data["word"].split())
        body = word.removesuffix("*")
        if not any(c.isalpha() for c in body):
            raise forms.ValidationError(_("Write a word: at least one letter."))
        if "*" in body:
            raise forms.ValidationError(_("A * may only end the word."))
        return word


@admin.register(BannedWord)
class BannedWordAdmin(admin.ModelAdmin):
    form = BannedWordForm
    list_display = ["word", "created_at"]
    search_fields = ["word"]
    ordering = ["word"]
    list_per_page = 100


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
