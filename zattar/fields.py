"""Serializer fields and rules shared by the apps' APIs.

`CharField` and `EmailField` take text and nothing else. DRF's turn a JSON number into text
(`{"body": 0}` posted the message "0"), so a client's type error passed unnoticed and the API
accepted what its schema says it refuses; these refuse it with DRF's own message ("Not a valid
string."). And where DRF reads an optional form field sent empty (`name=`) as left out, these read
it as the blank text it is: "may not be blank", as the schema's minLength says, not a quiet no-op.
Their maxLength counts the text as sent, before the spaces around it are trimmed.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html, json


class TextOnly:
    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if (
            value is empty
            and html.is_html_input(dictionary)
            and dictionary.get(self.field_name) == ""
        ):
            return ""  # sent empty in a form: blank text (refused unless allowed), not left out
        return value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # The length as sent, as the schema's maxLength counts it: DRF trims the spaces around
        # the text first, so 101 characters with a leading space passed a max_length of 100.
        max_length = getattr(self, "max_length", None)
        if max_length is not None and len(data) > max_length:
            self.fail("max_length", max_length=max_length)
        return super().to_internal_value(data)


class CharField(TextOnly, serializers.CharField):
    pass


class EmailField(TextOnly, serializers.EmailField):
    pass


# For a serializer of partial updates: a PATCH must change something. An empty one is a client's
# mistake, and so is a form body that parses as empty (a malformed multipart body holds no
# fields); both are a 400, as the schema's `minProperties: 1` says. (A comment, not a docstring:
# the schema would show a docstring as the description of every serializer using this.)
class ChangesSomething:
    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if self.partial and not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."), code="empty")
        return attrs


class DictField(serializers.DictField):
    """An object, also from a form or multipart body: DRF reads only `name.key` fields there and
    ignores the object sent whole as one field (a part of `Content-Type: application/json`),
    so `params=[1, 2]` became `{}`, an object nobody sent. Here the whole field is read as JSON
    (anything but an object is refused as DRF refuses it in a JSON body), and a form with
    neither leaves the field out (required: 400)."""

    def get_value(self, dictionary):
        if not html.is_html_input(dictionary):
            return super().get_value(dictionary)
        if self.field_name in dictionary:
            sent = dictionary.get(self.field_name)
            try:
                return json.loads(sent)
            except (TypeError, ValueError):
                return sent  # text, not an object: "Expected a dictionary of items..."
        prefix = f"{self.field_name}."
        if not any(key.startswith(prefix) for key in dictionary):
            return empty
        return super().get_value(dictionary)
