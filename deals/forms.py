from django import forms
from django.utils.translation import gettext_lazy as _

from deals.transitions import Status


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64, required=False)
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=64,
        required=False,
        help_text=_("For example Kazpost, CDEK, Indrive."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=_("Resolution note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your review"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
