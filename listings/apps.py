from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = _("Listings")

    def ready(self) -> None:
        # Django's default placeholder of a <select> ("- Select an option -") has no Russian or
        # Kazakh translation: a dash says the same in every language. Forms that ask for a
        # choice name it themselves (empty_label).
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = "—"
