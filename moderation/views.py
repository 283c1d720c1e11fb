from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from moderation import services
from moderation.forms import ReportForm
from zattar.errors import DomainError, NotFound
from zattar.ids import parse_id
from zattar.redirects import safe_next
from zattar.throttling import rate_limit


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("report_create")
def report(request: HttpRequest) -> HttpResponse:
    """ "Report": the reasons and a text box for an ad, a user or a message, then back."""
    data = request.POST if request.method == "POST" else request.GET
    target_type = data.get("target_type", "")
    target_id = parse_id(data.get("target_id"))
    if target_id is None:
        raise Http404(_("Nothing to report here."))
    try:
        target = services.report_target(
            reporter=request.user, target_type=target_type, target_id=target_id
        )
    except NotFound as error:
        raise Http404(error.detail) from None
    except DomainError as error:  # his own ad, profile or message: back where he came from
        messages.error(request, error.detail)
        return redirect(safe_next(request) or "home")
    back = safe_next(request) or target.url
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        initial={"target_type": target.target_type, "target_id": target.target_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=request.user, **form.cleaned_data)
        except NotFound as error:
            raise Http404(error.detail) from None
        except DomainError as error:  # a repeat, a NUL in the text
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("Thank you, moderators will look at it."))
            return redirect(back)
    return render(request, "moderation/report.html", {"form": form, "target": target, "next": back})
