from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import Report
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
