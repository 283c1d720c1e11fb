from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
        "price_shown",
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
    # The status (and the moderator's reasons) change only through listings.services, by the
    # actions below: the form has no field for them.
    readonly_fields = [
        "status",
        "rejection_reason",
        "rejection_note",
        "view_count",
        "image_count",
        "created_at",
        "updated_at",
        "expires_at",
        "raised_at",
    ]
    date_hierarchy = "published_at"
    inlines = [ImageInline]
    show_full_result_count = False
    actions = ["approve", "reject", "hold"]

    @admin.display(description=_("price"), ordering="price")
    def price_shown(self, listing: Listing) -> str:
        """`1 234 567 ₸`, as the site shows prices."""
        from listings.templatetags.listings import tenge

        return tenge(listing.price)

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("moderation.moderate_listing")

    def _each(self, request, queryset, decide, done_message) -> None:
        """Run one moderation service per ad; an ad the table does not allow is named."""
        from zattar.errors import DomainError

        done = 0
        for listing in queryset:
            try:
                decide(listing)
                done += 1
            except DomainError as error:
                self.message_user(request, f"#{listing.pk}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Approve the selected ads on review"), permissions=["moderate"])
    def approve(self, request, queryset) -> None:
        from moderation.services import listing_approve_reviewed

        self._each(
            request,
            queryset,
            lambda listing: listing_approve_reviewed(listing_id=listing.pk, moderator=request.user),
            gettext("Ads approved: %(n)d."),
        )

    @admin.action(
        description=_("Reject the selected ads (with a reason)"), permissions=["moderate"]
    )
    def reject(self, request, queryset):
        from moderation.forms import RejectForm, action_form
        from moderation.services import listing_reject_reviewed

        form, page = action_form(self, request, queryset, RejectForm, gettext("Reject ads"))
        if form is None:
            return page
        self._each(
            request,
            queryset,
            lambda listing: listing_reject_reviewed(
                listing_id=listing.pk, moderator=request.user, **form.cleaned_data
            ),
            gettext("Ads rejected: %(n)d."),
        )
        return None

    @admin.action(description=_("Hold the selected ads for review"), permissions=["moderate"])
    def hold(self, request, queryset) -> None:
        from moderation.services import listing_hold_moderated

        self._each(
            request,
            queryset,
            lambda listing: listing_hold_moderated(listing_id=listing.pk, moderator=request.user),
            gettext("Ads held for review: %(n)d."),
        )

    def save_model(self, request, obj: Listing, form, change) -> None:
        # The denormalized root must follow the leaf however the ad was edited.
        obj.root_category_id = obj.category.parent_id or obj.category_id
        super().save_model(request, obj, form, change)


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ["user", "listing", "created_at"]
    list_select_related = ["user", "listing"]
    raw_id_fields = ["user", "listing"]
