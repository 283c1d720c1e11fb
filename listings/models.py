from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_language(ru: str, kk: str, en: str) -> str:
    """The one of three names that matches the active language (Russian by default)."""
    return {"kk": kk, "en": en}.get((get_language() or "ru")[:2], ru)


class City(models.Model):
    """A city of Kazakhstan, with its names in the three languages of the site."""

    slug = models.SlugField(_("slug"), unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=80)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    region_ru = models.CharField(_("region (Russian)"), max_length=120)
    region_kk = models.CharField(_("region (Kazakh)"), max_length=120)
    region_en = models.CharField(_("region (English)"), max_length=120)
    population = models.PositiveIntegerField(_("population"), default=0)
    is_regional_centre = models.BooleanField(_("regional centre"), default=False)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["-population", "name_ru"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_ru, self.name_kk, self.name_en)

    @property
    def region(self) -> str:
        return in_language(self.region_ru, self.region_kk, self.region_en)
