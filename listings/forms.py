import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from listings import search, services
from listings.errors import PendingPhotoGone
from listings.models import Category, City, Listing, PendingPhoto, in_language
from listings.selectors import reference_rows
from zattar.ids import parse_id

ORDERING_CHOICES = [
    ("", _("Best match")),
    (search.Ordering.RELEVANCE, _("Relevance")),
    (search.Ordering.NEW, _("Newest")),
    (search.Ordering.CHEAP, _("Cheapest")),
    (search.Ordering.EXPENSIVE, _("Most expensive")),
]


class Select(forms.Select):
    """A <select> whose options are looped in one template, not rendered one include each:
    the category picker has over eighty options and is on every search page."""

    template_name = "components/select.html"


class ReferenceSelect(Select):
    """The city and category pickers, rendered once per language, name, value and attributes
    while the reference rows stay the same (reference_rows keeps them a minute): they are the
    same for every visitor of a search page, and rendering eighty options is not free."""

    MAX_KEPT = 2000
    _rendered: dict[tuple, str] = {}

    def render(self, name, value, attrs=None, renderer=None):
        rows = reference_rows(self.choices.kind())
        key = (
            get_language(),
            name,
            str(value),
            tuple(sorted({**self.attrs, **(attrs or {})}.items())),
            str(self.choices.field.empty_label),
            tuple(rows),
        )
        html = self._rendered.get(key)
        if html is None:
            if len(self._rendered) >= self.MAX_KEPT:
                self._rendered.clear()
            html = self._rendered[key] = super().render(name, value, attrs, renderer)
        return html


class ReferenceChoiceIterator(ModelChoiceIterator):
    """Options from the cached reference rows: no query and no model per option."""

    def kind(self) -> str:
        return "city" if self.queryset.model is City else "category"

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for slug, parent_id, ru, kk, en in reference_rows(self.kind()):
            name = in_language(ru, kk, en)
            yield (slug, f"— {name}" if parent_id else name)

    def __len__(self):
        return len(reference_rows(self.kind()))


def slug_or_id_lookup(queryset: QuerySet, value):
    """The row that `value` names by id or by slug, or None. Whatever a client sent (a NUL,
    a lone surrogate, a huge number, a list) is an unknown name, never a database error."""
    text = str(value)
    if not text.isprintable():  # NUL and other control characters, lone surrogates
        return None
    pk = parse_id(text)
    if pk is not None and str(pk) != text:  # "007" is not an id: one spelling per row
        pk = None
    try:
        return queryset.get(pk=pk) if pk is not None else queryset.get(slug=text)
    except queryset.model.DoesNotExist:
        return None


class SlugOrIdChoiceField(forms.ModelChoiceField):
    """Accepts `?city=almaty` as well as `?city=2`; shows names in the active language."""

    widget = ReferenceSelect
    iterator = ReferenceChoiceIterator

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = slug_or_id_lookup(self.queryset, value)
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found

    def prepare_value(self, value):
        if isinstance(value, City | Category):
            return value.slug
        return super().prepare_value(value)

    def label_from_instance(self, obj) -> str:
        return obj.name


class CategoryChoiceField(SlugOrIdChoiceField):
    pass


FLAG_VALUES = {"on": True, "true": True, "false": False, "": False}


class FlagInput(forms.CheckboxInput):
    """A checkbox that hands its field the value as sent (CheckboxInput makes a bool of it)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda value: FLAG_VALUES.get(value, value is True))

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


class FlagField(forms.BooleanField):
    """A checkbox filter: `on` (what the page's checkbox sends), `true` or `false` (API clients);
    anything else is an error rather than a quiet yes."""

    widget = FlagInput

    def to_python(self, value):
        if isinstance(value, str):
            if value not in FLAG_VALUES:
                raise ValidationError(_("Use true or false."), code="invalid")
            return FLAG_VALUES[value]
        return super().to_python(value)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    city = SlugOrIdChoiceField(
        label=_("City"),
        queryset=City.objects.all(),
        required=False,
        empty_label=_("All Kazakhstan"),
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    price_min = forms.IntegerField(
        label=_("Price from"), min_value=0, max_value=10**12, required=False
    )
    price_max = forms.IntegerField(
        label=_("Price to"), min_value=0, max_value=10**12, required=False
    )
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=[("", _("Any condition")), *Listing.Condition.choices],
        required=False,
    )
    has_photos = FlagField(label=_("Only with photos"), required=False)
    ordering = forms.ChoiceField(label=_("Sort"), choices=ORDERING_CHOICES, required=False)

    PARAMETERS = frozenset(
        ["q", "city", "category", "price_min", "price_max", "condition", "has_photos", "ordering"]
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The upper price is below the lower one."))
        return cleaned

    def filters(self) -> search.SearchFilters:
        """The valid filters; an invalid one is left out (and its error shown), not the rest."""
        self.is_valid()
        data = self.cleaned_data
        return search.SearchFilters(
            q=data.get("q", ""),
            city=data.get("city"),
            category=data.get("category"),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            condition=data.get("condition", ""),
            has_photos=bool(data.get("has_photos")),
            ordering=data.get("ordering", ""),
        )


# --- The ad form -------------------------------------------------------------------------------

TITLE_ALL_CAPITALS = _("Do not write the title in capital letters only.")


def clean_title(value: str) -> str:
    title = " ".join(value.split())
    if len(title) < 5:
        raise ValidationError(_("The title needs at least 5 characters."), code="too_short")
    if len(title) > 75:
        raise ValidationError(_("The title can have at most 75 characters."), code="too_long")
    letters = [c for c in title if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        raise ValidationError(TITLE_ALL_CAPITALS, code="all_capitals")
    return title


def clean_description(value: str) -> str:
    text = re.sub(r"[ \t]+", " ", value.replace("\r\n", "\n")).strip()
    if len(text) < 20:
        raise ValidationError(_("Describe the item in at least 20 characters."), code="too_short")
    if len(text) > 5000:
        raise ValidationError(
            _("The description can have at most 5000 characters."), code="too_long"
        )
    return text


def clean_leaf_category(category: Category) -> Category:
    if category is not None and category.parent_id is None:
        raise ValidationError(
            _("Choose a subcategory: ads go in the most precise category."), code="not_a_leaf"
        )
    return category


def leaf_choices() -> list:
    """Leaves grouped under their roots, as <optgroup>s."""
    from listings.selectors import category_roots

    return [
        ("", "—"),
        *[
            (root.name, [(leaf.slug, leaf.name) for leaf in root.children.all()])
            for root in category_roots()
        ],
    ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


def photos_left_out_message(count: int) -> str:
    return ngettext(
        "%(count)d photo did not fit: an ad can have at most 10 photos.",
        "%(count)d photos did not fit: an ad can have at most 10 photos.",
        count,
    ) % {"count": count}


def photos_that_fit(uploads: list, *, already: int = 0) -> tuple[list, int]:
    """The first uploads that fit beside `already` photos, and how many were left out."""
    free = max(services.MAX_PHOTOS - already, 0)
    return list(uploads[:free]), max(len(uploads) - free, 0)


def process_each(uploads) -> tuple[list[services.ProcessedPhoto], list[ValidationError]]:
    """Every good upload decoded and re-encoded, and an error naming each bad one."""
    photos, errors = [], []
    for upload in uploads:
        try:
            photos.append(services.photo_process(upload))
        except ValidationError as error:
            errors.append(
                ValidationError(
                    "%(name)s: %(error)s",
                    params={"name": upload.name, "error": " ".join(error.messages)},
                )
            )
    return photos, errors


class PendingPhotosField(forms.Field):
    """The ids of photos uploaded from this form before it was sent (hidden inputs, in order)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        return [v for v in values if v not in self.empty_values]


class ListingForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=75,
        help_text=_("What are you selling? For example: iPhone 13 Pro 256GB"),
    )
    category = forms.ChoiceField(label=_("Category"), widget=Select)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Condition, size, what is included, where to meet."),
    )
    price = forms.IntegerField(
        label=_("Price, ₸"), min_value=0, max_value=10**12, help_text=_("0 means free.")
    )
    negotiable = forms.BooleanField(label=_("Negotiable"), required=False)
    condition = forms.ChoiceField(
        label=_("Condition"), choices=Listing.Condition.choices, widget=forms.RadioSelect
    )
    city = SlugOrIdChoiceField(
        label=_("City"), queryset=City.objects.all(), empty_label=_("Choose a city")
    )
    pending_photos = PendingPhotosField(required=False)
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
        help_text=_(
            "Up to 10 photos, JPEG, PNG or WebP, up to 10 MB each. The first is the cover."
        ),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, existing_photos: int = 0, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_photos = existing_photos
        self.owner = owner
        # The form's photos that are good whatever else is wrong: the uploads it names
        # (pending) and the files sent with it (processed), for the view to keep on an error.
        self.pending: list[PendingPhoto] = []
        self.processed: list[services.ProcessedPhoto] = []
        self.pending_missing = 0
        self.photos_left_out = 0
        self.fields["category"].choices = leaf_choices()
        self.fields["price"].widget.attrs.update(inputmode="numeric")
        self.fields["photos"].widget.attrs["aria-describedby"] = "id_photos_status id_photos_help"

    def clean_title(self) -> str:
        return clean_title(self.cleaned_data["title"])

    def clean_description(self) -> str:
        return clean_description(self.cleaned_data["description"])

    def clean_category(self) -> Category:
        category = Category.objects.filter(slug=self.cleaned_data["category"]).first()
        if category is None:
            raise ValidationError(_("Choose a category."), code="invalid_choice")
        return clean_leaf_category(category)

    def clean_pending_photos(self) -> list[PendingPhoto]:
        """The owner's uploads the form names, in order; another user's id, a deleted upload
        or garbage counts as missing (said under the photos), never as a photo."""
        ids = list(
            dict.fromkeys(parse_id(str(value)) for value in self.cleaned_data["pending_photos"])
        )
        wanted = [pk for pk in ids if pk is not None]
        found = {}
        if wanted and self.owner is not None and self.owner.is_authenticated:
            found = {p.pk: p for p in PendingPhoto.objects.filter(owner=self.owner, pk__in=wanted)}
        self.pending_missing = len(ids) - len(found)
        kept, self.photos_left_out = photos_that_fit(
            [found[pk] for pk in wanted if pk in found], already=self.existing_photos
        )
        self.pending = kept
        return kept

    def clean_photos(self) -> list[services.ProcessedPhoto]:
        uploads = self.cleaned_data.get("photos") or []
        kept, left_out = photos_that_fit(uploads, already=self.existing_photos + len(self.pending))
        self.photos_left_out += left_out
        self.processed, errors = process_each(kept)
        if errors:
            raise ValidationError(errors)
        return self.processed

    def clean(self):
        cleaned = super().clean()
        if self.pending_missing:
            self.add_error("photos", PendingPhotoGone().detail)
        if self.photos_left_out:
            self.add_error(
                "photos",
                ValidationError(photos_left_out_message(self.photos_left_out), code="too_many"),
            )
        return cleaned

    def listing_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in services.EDITABLE}
