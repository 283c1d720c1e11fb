from django.utils.translation import gettext as _
from rest_framework import serializers

from searches.forms import PARAMETERS, SearchParamsForm
from searches.models import Frequency, SavedSearch
from zattar.fields import ChangesSomething, CharField, DictField


class ParamsField(DictField):
    """The search page's filters, validated by its form: errors come back per parameter
    (`{"params": {"price_min": [...]}}`); the value is the cleaned filters."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        unknown = sorted(set(data) - set(PARAMETERS))
        errors = {name: [_("Unknown parameter.")] for name in unknown}
        form_data = {key: value for key, value in data.items() if value is not None}
        if isinstance(form_data.get("has_photos"), bool):
            form_data["has_photos"] = "true" if form_data["has_photos"] else "false"
        form = SearchParamsForm({key: form_data[key] for key in form_data if key in PARAMETERS})
        if not form.is_valid():
            errors.update({name: list(messages) for name, messages in form.errors.items()})
        if errors:
            raise serializers.ValidationError(errors)
        return form.params()


class SavedSearchSerializer(ChangesSomething, serializers.ModelSerializer):
    params = ParamsField()
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.INSTANT)
    name = CharField(max_length=100, required=False, allow_blank=True, default="")
    results_url = serializers.SerializerMethodField()

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "params", "frequency", "results_url", "created_at"]
        read_only_fields = ["id", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["params"] = instance.params()
        return data

    def get_results_url(self, search: SavedSearch) -> str:
        from searches.services import results_path

        request = self.context.get("request")
        path = results_path(search)
        return request.build_absolute_uri(path) if request else path

    def validate_name(self, value: str) -> str:
        return " ".join(value.split())
