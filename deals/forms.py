from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.phones import normalize_kz_mobile
from deals.models import Carrier
from deals.services import MAX_DISPUTE_PHOTOS
from deals.transitions import Status
from listings.forms import MultipleFileInput, MultiplePhotoField, SlugOrIdChoiceField
from listings.models import City

DELIVERY_FIELDS = ("recipient_name", "phone", "city", "address", "pickup_point", "carrier")


class DeliveryForm(forms.Form):
    """Where the seller ships, given by the buyer when the deal starts. The same validation
    serves the start page and the API (`delivery` in POST /api/v1/safe-deals)."""

    recipient_name = forms.CharField(
        label=_("Recipient's name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Recipient's mobile phone"),
        max_length=32,
        help_text=_("For example +7 701 123 45 67: the carrier calls or texts this number."),
        widget=forms.TextInput({"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    city = SlugOrIdChoiceField(label=_("City"), queryset=City.objects.all())
    carrier = forms.ChoiceField(
        label=_("Delivery"), choices=Carrier.choices, widget=forms.RadioSelect
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Street, house, flat: for delivery to the door."),
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    pickup_point = forms.CharField(
        label=_("Pick-up point"),
        max_length=200,
        required=False,
        help_text=_("Or the carrier's office or parcel locker where you collect it."),
    )

    def __init__(self, *args, listing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing = listing
        self.fields["city"].empty_label = "—"

    def clean_recipient_name(self) -> str:
        return self.cleaned_data["recipient_name"].strip()

    def clean_phone(self) -> str:
        return normalize_kz_mobile(self.cleaned_data["phone"])

    def clean(self) -> dict:
        data = super().clean()
        carrier, city = data.get("carrier"), data.get("city")
        if carrier == Carrier.IN_PERSON:
            if city is not None and self.listing is not None and city.pk != self.listing.city_id:
                self.add_error(
                    "carrier",
                    ValidationError(
                        _("Handing over in person is only for the ad's city: choose a carrier."),
                        code="in_person_other_city",
                    ),
                )
        elif carrier and not (data.get("address") or data.get("pickup_point")):
            self.add_error(
                "address",
                ValidationError(
                    _("Give an address or a pick-up point of the carrier."), code="no_address"
                ),
            )
        return data

    def delivery(self) -> dict:
        """The cleaned details as deal_start takes them."""
        data = self.cleaned_data
        return {
            "recipient": data["recipient_name"],
            "phone": data["phone"],
            "city": data["city"],
            "address": data["address"].strip(),
            "pickup_point": data["pickup_point"].strip(),
            "carrier": data["carrier"],
        }


class DisputePhotosField(MultiplePhotoField):
    def clean(self, data, initial=None):
        files = super().clean(data, initial)
        if len(files) > MAX_DISPUTE_PHOTOS:
            raise ValidationError(
                _("A dispute can have at most %(max)d photos.") % {"max": MAX_DISPUTE_PHOTOS},
                code="too_many_photos",
            )
        return files


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64, required=False)
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=64,
        required=False,
        help_text=_("For example Kazpost, CDEK, Indrive."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=_("Resolution note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = DisputePhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 5 photos: the item as it arrived, the parcel, the label."),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    # The buyer's "I received it: release the money" must be confirmed: the money cannot be
    # taken back. The page's dialog sends it; without JavaScript a confirmation page does.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your review"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def process_dispute_photos(form: TransitionForm) -> list | None:
    """A valid form's dispute photos re-encoded as ad photos are (upright, EXIF stripped, size
    limits), or None with each bad file's error under `photos`."""
    from listings.services import photo_process

    processed = []
    for upload in form.cleaned_data.get("photos") or []:
        try:
            processed.append(photo_process(upload))
        except ValidationError as error:
            form.add_error(
                "photos",
                _("%(name)s: %(error)s") % {"name": upload.name, "error": " ".join(error.messages)},
            )
    return None if form.errors else processed
