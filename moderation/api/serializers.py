from rest_framework import serializers

from moderation.models import Report
from moderation.services import REPORT_TEXT_MAX
from zattar import fields


class ReportCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(
        choices=[(t.value, t.label) for t in Report.TARGETS],
        help_text="What is reported: an ad, a user or a chat message you received.",
    )
    target_id = serializers.IntegerField(min_value=1)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    text = fields.CharField(
        max_length=REPORT_TEXT_MAX, required=False, allow_blank=True, default=""
    )


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "text", "created_at"]


class ReasonSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
