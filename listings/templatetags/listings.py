from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

from listings.transitions import Role, moves_from

register = template.Library()

NBSP = "\u00a0"


@register.filter
def tenge(value) -> str:
    """125000 -> '125 000 ₸' (no-break spaces, so a price never wraps); 0 -> 'Free'."""
    if value in (None, ""):
        return ""
    amount = int(value)
    if amount == 0:
        return _("Free")
    return f"{amount:,}".replace(",", NBSP) + f"{NBSP}₸"


@register.filter
def thousands(value) -> str:
    """12500 -> '12 500'."""
    return f"{int(value):,}".replace(",", NBSP)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, 0)


@register.simple_tag
def icon(name: str, size: int = 24, css_class: str = "") -> str:
    """An icon from the sprite: `{% icon "camera" 16 %}` (a tag, cheaper than an include)."""
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" width="{}" height="{}" aria-hidden="true"><use href="{}#{}"></use></svg>',
        classes,
        size,
        size,
        static("img/icons.svg"),
        name,
    )


@register.filter
def seller_moves(listing) -> list[str]:
    """The statuses the seller may move this ad to from My ads (the table decides)."""
    return [str(target) for target in moves_from(listing.status, Role.SELLER)]


@register.filter
def review_labels(flags) -> list[str]:
    """Why an ad is on review, as its seller is told: each open reason's name, once."""
    return list(dict.fromkeys(str(flag.get_code_display()) for flag in flags or ()))
