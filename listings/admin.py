from django.contrib import admin

from listings.models import Category, City, Favorite, Listing, ListingImage


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


class ChildInline(admin.TabularInline):
    model = Category
    fields = ["position", "slug", "name_ru", "name_kk", "name_en"]
    extra = 0
    show_change_link = True


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "name_kk", "name_en", "parent", "position", "slug"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name_ru", "name_kk", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [ChildInline]


class ImageInline(admin.TabularInline):
    model = ListingImage
    fields = ["position", "thumbnail", "large", "width", "height"]
    readonly_fields = ["thumbnail", "large", "width", "height"]
    extra = 0
    can_delete = False


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "price",
        "status",
        "city",
        "category",
        "seller",
        "view_count",
        "published_at",
    ]
    list_filter = [
        "status",
        "condition",
        "city",
        ("root_category", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["city", "category", "seller"]
    search_fields = ["title", "seller__email", "seller__phone", "=id"]
    raw_id_fields = ["seller"]
    readonly_fields = ["view_count", "image_count", "created_at", "updated_at"]
    date_hierarchy = "published_at"
    inlines = [ImageInline]
    show_full_result_count = False

    def save_model(self, request, obj: Listing, form, change) -> None:
        # The denormalized root must follow the leaf however the ad was edited.
        obj.root_category_id = obj.category.parent_id or obj.category_id
        super().save_model(request, obj, form, change)


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ["user", "listing", "created_at"]
    list_select_related = ["user", "listing"]
    raw_id_fields = ["user", "listing"]
