"""Admin pieces the apps share."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The admin is Zattar's: its name in the header, the browser's title and the index page.
admin.site.site_header = "Zattar"
admin.site.site_title = "Zattar"
admin.site.index_title = _("Zattar administration")


class ReadOnlyInline(admin.TabularInline):
    """A record shown under its parent in the admin: every field read-only, nothing added or
    deleted there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records moderators read and nobody edits here (conversations, the audit log, the
    queue, whose decisions are buttons that call services)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Background jobs -------------------------------------------------------------------------
# procrastinate's own screens (jobs, their arguments, status and events, read-only), plus one
# action: a moderator who may change jobs puts failed ones back in the queue, e.g. after the
# mail server or the payment provider came back. The jobs are idempotent, so a retry of one
# that half ran does its remaining part only.

from django.utils import timezone  # noqa: E402
from procrastinate.contrib.django import app as jobs_app  # noqa: E402
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin  # noqa: E402
from procrastinate.contrib.django.models import ProcrastinateJob  # noqa: E402

admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class JobAdmin(ProcrastinateJobAdmin):
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed jobs now"), permissions=["retry"])
    def retry(self, request, queryset) -> None:
        selected = list(queryset)  # before the retries change what the page's filter matches
        failed = [job for job in selected if job.status == "failed"]
        for job in failed:
            jobs_app.job_manager.retry_job_by_id(job.id, retry_at=timezone.now())
        self.message_user(request, _("Jobs put back in the queue: %(n)s.") % {"n": len(failed)})
        if len(selected) > len(failed):
            self.message_user(
                request,
                _("Jobs left alone (they had not failed): %(n)s.")
                % {"n": len(selected) - len(failed)},
            )

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("procrastinate.change_procrastinatejob")
