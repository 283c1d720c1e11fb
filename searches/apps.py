from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "searches"
    verbose_name = _("Saved searches")
