"""Forms: a user's report, and the moderators' decisions in the admin with their reasons."""

from django import forms
from django.utils.translation import gettext_lazy as _

from listings.models import Listing
from moderation.models import Ban, Report
from moderation.services import REPORT_TEXT_MAX


class ReportForm(forms.Form):
    target_type = forms.ChoiceField(
        choices=[(t.value, t.label) for t in Report.TARGETS], widget=forms.HiddenInput
    )
    target_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Tell the moderators more (optional)"),
        max_length=REPORT_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Listing.RejectionReason.choices)
    note = forms.CharField(
        label=_("Note to the seller"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class BanForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Ban.Reason.choices)
    note = forms.CharField(
        label=_("Note (for moderators)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class NoteForm(forms.Form):
    """Approving: an optional note for the audit log."""

    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReasonForm(forms.Form):
    """An admin action that must say why (hiding a review, holding an ad)."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


def action_form(modeladmin, request, queryset, form_class, title):
    """An admin action that asks first: returns (form, None) once the moderator submitted a
    valid form, or (None, the page asking) before that or when the form has errors."""
    from django.shortcuts import render

    submitted = "_confirm" in request.POST
    form = form_class(request.POST if submitted else None)
    if submitted and form.is_valid():
        return form, None
    page = render(
        request,
        "admin/moderation/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "form": form,
            "objects": queryset,
            "action": request.POST["action"],
            "title": title,
            "opts": modeladmin.model._meta,
        },
    )
    return None, page
