"""What tests of pages kept for many viewers ask of a page and its viewers."""

import re

from django.test import Client


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def hearts(page: str) -> dict[int, bool]:
    """Each heart's ad and whether it is on."""
    found = re.findall(r'action="/ads/(\d+)/favorite/".*?aria-pressed="(true|false)"', page, re.S)
    return {int(pk): on == "true" for pk, on in found}
