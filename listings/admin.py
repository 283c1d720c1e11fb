from django.contrib import admin

from listings.models import City


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = [
        "name_ru",
        "name_kk",
        "name_en",
        "region_ru",
        "population",
        "is_regional_centre",
    ]
    list_filter = ["is_regional_centre"]
    search_fields = ["name_ru", "name_kk", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
