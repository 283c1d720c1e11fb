from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.kinds import Channel, Kind
from notifications.models import Notification
from zattar.fields import ChangesSomething


class SwitchField(serializers.BooleanField):
    """JSON true or false, nothing else: DRF's BooleanField also takes "yes", 1 and "on", and a
    switch set by a typo would pass unnoticed."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class RefusesUnknown:
    """Keys the serializer does not know are a client's mistake: 400 for each, by name."""

    def unknown_message(self) -> str:
        return _("Unknown field.")

    def to_internal_value(self, data):
        errors = {}
        if isinstance(data, dict):
            errors = {key: [self.unknown_message()] for key in data if key not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                errors = {**exc.detail, **errors}
            elif not errors:
                raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class ChannelsSerializer(RefusesUnknown, serializers.Serializer):
    def unknown_message(self) -> str:
        return _("Unknown channel: the channels are %(channels)s.") % {
            "channels": ", ".join(Channel.values)
        }

    def get_fields(self) -> dict:
        return {channel.value: SwitchField(required=False) for channel in Channel}


class PreferencesSerializer(ChangesSomething, RefusesUnknown, serializers.Serializer):
    """A switch per kind and channel: `{"messages": {"email": true, "push": false}, ...}`.
    In a PATCH every kind and channel may be left out (it stays as it was)."""

    def unknown_message(self) -> str:
        return _("Unknown kind: the kinds are %(kinds)s.") % {"kinds": ", ".join(Kind.values)}

    def get_fields(self) -> dict:
        return {
            kind.value: ChannelsSerializer(required=False, help_text=str(kind.label))
            for kind in Kind
        }


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class ReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=100,
        help_text="The notifications to mark read; left out: all of them.",
    )


class ReadResultSerializer(serializers.Serializer):
    read = serializers.IntegerField(help_text="How many were marked read now.")
    unread = serializers.IntegerField(help_text="How many are still unread.")
