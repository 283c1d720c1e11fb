"""What search engines and link previews read in a page's <head>: language alternates,
absolute URLs, an ad's Open Graph picture and its schema.org Product."""

import json
import re

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from listings.models import Listing

register = template.Library()

SCHEMA = "https://schema.org/"
AVAILABILITY = {
    Listing.Status.ACTIVE: "InStock",
    Listing.Status.RESERVED: "Reserved",
    Listing.Status.SOLD: "SoldOut",
}  # the rest (expired, archived, ...): Discontinued
CONDITION = {Listing.Condition.NEW: "NewCondition", Listing.Condition.USED: "UsedCondition"}
OG_LOCALE = {"ru": "ru_RU", "kk": "kk_KZ", "en": "en_US"}
DESCRIPTION_LENGTH = 160
# As django.utils.html.json_script: no "</script>", "<!--" or "]]>" can close the script early.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def language_alternates(request: HttpRequest) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) of this page in every language, then x-default (the Russian,
    unprefixed one); [] for a page outside i18n_patterns or one that was not resolved."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        return []
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            try:
                path = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
            except NoReverseMatch:
                return []
        links.append((code, request.build_absolute_uri(f"{path}?{query}" if query else path)))
    if len({url for _code, url in links}) == 1:  # the same URL in every language: not a page's
        return []
    return [*links, ("x-default", links[0][1])]


@register.simple_tag(takes_context=True)
def hreflang_links(context) -> SafeString:
    request = context.get("request")
    if request is None:
        return mark_safe("")
    return format_html_join(
        "\n  ",
        '<link rel="alternate" hreflang="{}" href="{}">',
        language_alternates(request),
    )


@register.simple_tag(takes_context=True)
def absolute(context, url: str) -> str:
    """`url` with the scheme and host of the request (as it is if it already has them)."""
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


@register.filter
def meta_text(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    """One line of plain text for a description: whitespace collapsed, cut at a word."""
    text = " ".join(str(text).split())
    if len(text) <= length:
        return text
    return re.sub(r"\s+\S*$", "", text[: length - 1]) + "…"


@register.simple_tag(takes_context=True)
def listing_seo(context, listing: Listing) -> dict:
    """The ad's canonical URL, cover picture (absolute URLs), description, Open Graph locale and
    its schema.org Product with one Offer as JSON-LD, escaped to sit inside a <script>."""
    request = context["request"]
    url = request.build_absolute_uri(listing.get_absolute_url())
    images = [request.build_absolute_uri(image.large.url) for image in listing.images.all()]
    cover = next((image for image in listing.images.all()), None)
    description = meta_text(listing.description) or listing.title
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": listing.title,
        "description": meta_text(listing.description, 5000),
        "sku": str(listing.pk),
        "url": url,
        "image": images,
        "category": listing.category.name,
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str(listing.price),
            "priceCurrency": "KZT",
            "availability": SCHEMA + AVAILABILITY.get(listing.status, "Discontinued"),
            "itemCondition": SCHEMA + CONDITION.get(listing.condition, "UsedCondition"),
            "availableAtOrFrom": {"@type": "Place", "name": listing.city.name},
            "seller": {"@type": "Person", "name": listing.seller.name},
        },
    }
    if not images:
        del product["image"]
    as_json = json.dumps(product, ensure_ascii=False).translate(JSON_ESCAPES)
    return {
        "url": url,
        "description": description,
        "cover": cover,
        "image": images[0] if images else "",
        "locale": OG_LOCALE.get(translation.get_language() or "", "ru_RU"),
        "json_ld": mark_safe(as_json),  # escaped above, as json_script does
    }
