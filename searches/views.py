from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from searches import selectors, services
from searches.errors import SavedSearchNotFound
from searches.forms import SavedSearchChangeForm, SavedSearchCreateForm
from searches.models import Frequency
from zattar.errors import DomainError


@login_required
@require_GET
def saved_search_list(request: HttpRequest) -> HttpResponse:
    searches = list(selectors.saved_search_list(user=request.user))
    rows = [
        {
            "search": search,
            "results_url": services.results_path(search),
            "form": SavedSearchChangeForm(
                initial={"name": search.name, "frequency": search.frequency},
                auto_id=f"id_{search.pk}_%s",
            ),
        }
        for search in searches
    ]
    return render(
        request,
        "searches/list.html",
        {"rows": rows, "frequencies": Frequency.choices},
    )


@login_required
@require_POST
def saved_search_create(request: HttpRequest) -> HttpResponse:
    """ "Save this search": the search page's filters, validated by its own form."""
    form = SavedSearchCreateForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("searches:list")
    try:
        search = services.saved_search_create(
            user=request.user,
            params=form.params(),
            name=form.cleaned_data["name"],
            frequency=form.cleaned_data["frequency"] or Frequency.INSTANT,
        )
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("searches:list")
    text = _("The search “%(name)s” is saved: new ads will come to you.")
    messages.success(request, text % {"name": search.name})
    return redirect("searches:list")


@login_required
@require_POST
def saved_search_change(request: HttpRequest, pk: int) -> HttpResponse:
    form = SavedSearchChangeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("searches:list")
    try:
        services.saved_search_update(
            user=request.user,
            search_id=pk,
            name=form.cleaned_data["name"],
            frequency=form.cleaned_data["frequency"],
        )
    except SavedSearchNotFound as error:
        raise Http404(error.detail) from None
    messages.success(request, _("Saved."))
    return redirect("searches:list")


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.saved_search_delete(user=request.user, search_id=pk)
    except SavedSearchNotFound as error:
        raise Http404(error.detail) from None
    messages.success(request, _("The saved search is deleted."))
    return redirect("searches:list")
