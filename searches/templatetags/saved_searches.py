from django import template

from searches.forms import PARAMETERS
from searches.models import Frequency
from searches.services import describe

register = template.Library()


@register.inclusion_tag("searches/save_box.html", takes_context=True)
def save_search_box(context, form):
    """ "Save this search" under the search page's results: the filters as shown (hidden), a
    name and how often. Only when every filter is valid (the same form saves them). Words that
    were corrected are saved as corrected ("showing results for ..."): the search saved is the
    one whose results are shown, and a saved search does not correct its words."""
    request = context["request"]
    valid = form.is_bound and form.is_valid()
    hidden = []
    name = ""
    if valid:
        cleaned = dict(form.cleaned_data)
        result = context.get("result")
        if corrected := getattr(result, "corrected_query", ""):  # what the results are for
            cleaned["q"] = corrected
        for key in PARAMETERS:
            value = cleaned.get(key)
            if value in (None, "", False):
                continue
            if key in ("city", "category"):
                value = value.slug
            elif key == "has_photos":
                value = "on"
            hidden.append((key, value))
        name = describe(
            {
                "q": cleaned.get("q"),
                "city": cleaned["city"].name if cleaned.get("city") else "",
                "category": cleaned["category"].name if cleaned.get("category") else "",
            }
        )
    return {
        "show": valid,
        "user": request.user,
        "hidden": hidden,
        "name": name,
        "frequencies": Frequency.choices,
        "next": request.get_full_path(),
    }
