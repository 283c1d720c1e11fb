"""A move sent without the details it needs comes back with each error under its own field,
in words: never a list of raw field names such as `carrier, tracking_number`."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from deals import services
from deals.errors import MissingDetails
from deals.models import SafeDeal

pytestmark = pytest.mark.django_db


def test_shipping_without_details_says_so_under_each_field(client, deal):
    client.force_login(deal.seller)
    url = reverse("deals:transition", args=[deal.pk])
    response = client.post(
        url, {"status": "SHIPPED", "carrier": "Kazpost"}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    form = dict(response.context["actions"])["SHIPPED"]
    assert list(form.errors) == ["tracking_number"]
    errors = re.findall(r'<ul class="field__errors" id="id_(\w+)_error">', response.text)
    assert errors == ["tracking_number"]
    assert 'value="Kazpost"' in response.text  # what was typed stays
    assert "tracking_number" not in re.sub(
        r'(name|id|for|aria-describedby)="[^"]*"', "", response.text
    )
    assert SafeDeal.objects.get().status == "PENDING"


def test_the_missing_details_message_names_them_in_words(deal):
    with translation.override("en"), pytest.raises(MissingDetails) as missing:
        services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller)
    assert str(missing.value.detail) == "Some details are missing: carrier, tracking number."
    assert missing.value.extra["fields"] == ["carrier", "tracking_number"]
