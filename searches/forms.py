"""A saved search is validated by the search page's own form: the same fields, the same
normalisation (words with single spaces, a city or category by slug or id, the price range)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from listings.forms import SearchForm
from searches.models import Frequency

PARAMETERS = ("q", "city", "category", "price_min", "price_max", "condition", "has_photos")


class SearchParamsForm(SearchForm):
    """The search page's filters without the ordering: what a saved search keeps."""

    ordering = None

    def params(self) -> dict:
        """The cleaned filters (call after is_valid): model instances for city and category."""
        data = self.cleaned_data
        return {
            "q": data.get("q", ""),
            "city": data.get("city"),
            "category": data.get("category"),
            "price_min": data.get("price_min"),
            "price_max": data.get("price_max"),
            "condition": data.get("condition", ""),
            "has_photos": bool(data.get("has_photos")),
        }


class SavedSearchCreateForm(SearchParamsForm):
    """ "Save this search" on the search page: the filters shown, a name and how often to tell."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    frequency = forms.ChoiceField(
        label=_("Alerts"), choices=Frequency.choices, initial=Frequency.INSTANT, required=False
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class SavedSearchChangeForm(forms.Form):
    """Rename or change how often: the saved searches page."""

    name = forms.CharField(label=_("Name"), max_length=100)
    frequency = forms.ChoiceField(label=_("Alerts"), choices=Frequency.choices)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the search a name."), code="required")
        return name
