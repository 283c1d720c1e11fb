from django.contrib import admin
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# --- Reports (helper `reports`) -----------------------------------------------------------------
from moderation import selectors, services
from moderation.models import PeopleReport, Report, TargetType

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
