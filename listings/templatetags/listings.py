import functools
import re
from urllib.parse import urlencode

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
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
    return _icon(name, size, css_class)


@functools.lru_cache(maxsize=512)
def _icon(name: str, size: int, css_class: str) -> str:
    """The markup of each icon once per process: the sprite's (hashed) URL does not change
    while the process runs, and a page of cards asks for the same few icons again and again."""
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" width="{}" height="{}" aria-hidden="true"><use href="{}#{}"></use></svg>',
        classes,
        size,
        size,
        static("img/icons.svg"),
        name,
    )


@register.simple_tag(takes_context=True)
def login_then_back(context) -> str:
    """The login page's URL that comes back to this page: worked out once per request, however
    many cards on the page link to it."""
    request = context["request"]
    url = getattr(request, "_login_then_back", None)
    if url is None:
        url = f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}"
        request._login_then_back = url
    return url


@register.filter
def seller_moves(listing) -> list[str]:
    """The statuses the seller may move this ad to from My ads (the table decides)."""
    return [str(target) for target in moves_from(listing.status, Role.SELLER)]


@register.filter
def review_labels(flags) -> list[str]:
    """Why an ad is on review, as its seller is told: each open reason's name, once."""
    return list(dict.fromkeys(str(flag.get_code_display()) for flag in flags or ()))


@register.simple_tag(takes_context=True)
def ad_card(context, listing) -> str:
    """An ad's card, rendered in Python: a page of 24 cards costs a fraction of a millisecond
    instead of a template include per card. Within a `{% for %}`, the first `eager_cards`
    covers (the first screen) load at once, the first with high priority; the rest lazily."""
    covers = getattr(listing, "covers", None)
    if covers:
        counter = context.get("forloop", {}).get("counter", 1_000)
        if counter <= (context.get("eager_cards") or 0):
            loading = format_html('fetchpriority="{}"', "high" if counter == 1 else "auto")
        else:
            loading = mark_safe('loading="lazy"')
        media = format_html(
            '<img src="{}" alt="" {} decoding="async" width="480" height="360">',
            covers[0].thumbnail.url,
            loading,
        )
    else:
        media = format_html('<span class="ad-card__nophoto">{}</span>', _icon("camera", 32, ""))
    if listing.image_count > 1:
        media += format_html(
            '<span class="ad-card__count">{} {}</span>',
            _icon("camera", 14, ""),
            listing.image_count,
        )
    price = tenge(listing.price)
    if listing.negotiable:
        price = format_html('{} <span class="tag">{}</span>', price, _("negotiable"))
    published = template_localtime(listing.published_at)
    day = _day_label(published.date(), get_language())
    return format_html(
        '<article class="ad-card">\n  <a class="ad-card__link" href="{}">\n'
        '    <div class="ad-card__media">{}</div>\n'
        '    <div class="ad-card__body">\n      <p class="ad-card__price">{}</p>\n'
        '      <h3 class="ad-card__title">{}</h3>\n'
        '      <p class="ad-card__meta">{} · <time datetime="{}">{}</time></p>\n'
        "    </div>\n  </a>\n"
        '  <div class="ad-card__fav">{}</div>\n</article>\n',
        listing.get_absolute_url(),
        media,
        price,
        listing.title,
        listing.city.name,
        published.isoformat(),
        day,
        _favorite(context, listing),
    )


@functools.lru_cache(maxsize=1024)
def _day_label(day, language: str) -> str:
    """ "3 дек" (the site's one short date style): one formatting per day and language, not one
    per card."""
    from listings.templatetags.dates import short_date

    return short_date(day)


FAVORITE_MARK = "<!--zattar-favorite:{}-->"
FAVORITE_MARKS = re.compile(r"<!--zattar-favorite:(\d+)-->")


def _favorite(context, listing) -> str:
    """The heart of a card or an ad: where a page is rendered to be kept for everyone
    (`favorite_marks`), a mark that `fill_favorites` turns into the viewer's own heart."""
    if context.get("favorite_marks"):
        return mark_safe(FAVORITE_MARK.format(int(listing.pk)))
    is_favorite = listing.pk in context.get("favorite_ids", ())
    return favorite_html(context["request"], listing.pk, is_favorite, context.get("csrf_token"))


@register.simple_tag(takes_context=True)
def favorite(context, listing) -> str:
    """`{% favorite listing %}`: the heart of the ad itself, as on its cards."""
    return _favorite(context, listing)


@register.simple_tag(takes_context=True)
def favorite_button(context, listing, is_favorite: bool) -> str:
    return favorite_html(context["request"], listing.pk, is_favorite, context.get("csrf_token"))


def fill_favorites(request, html: str, favorite_ids, csrf_token: str) -> str:
    """The page's heart marks made into the viewer's hearts (`favorite_ids`: those on)."""
    return FAVORITE_MARKS.sub(
        lambda found: favorite_html(
            request, int(found[1]), int(found[1]) in favorite_ids, csrf_token
        ),
        html,
    )


_ANY_AD = 987_654_321_012_345  # stands for the ad's id in a heart made once per request


def favorite_html(request, listing_id: int, is_favorite: bool, csrf_token) -> str:
    """The heart: a form that turns it on or off for a signed-in viewer (htmx swaps it for the
    answer), a link to log in and come back for anyone else. Each kind of heart is made once
    per request and given each ad's id: a page has dozens."""
    if not request.user.is_authenticated:  # the same link on every card of the page
        link = getattr(request, "_favorite_login_link", None)
        if link is None:
            label = _("Add to favourites")
            link = request._favorite_login_link = format_html(
                '<a class="fav__btn" href="{}" aria-label="{}" title="{}">{}</a>',
                login_then_back({"request": request}),
                label,
                label,
                _icon("heart", 22, ""),
            )
        return link
    hearts = getattr(request, "_favorite_hearts", None)
    if hearts is None:
        hearts = request._favorite_hearts = {}
    kind = (is_favorite, str(csrf_token or ""))
    if kind not in hearts:
        hearts[kind] = _heart(request, _ANY_AD, is_favorite, kind[1])
    return mark_safe(hearts[kind].replace(str(_ANY_AD), str(int(listing_id))))


def _heart(request, listing_id: int, is_favorite: bool, csrf_token: str) -> str:
    action = reverse("listings:favorite", args=[listing_id])
    label = _("Remove from favourites") if is_favorite else _("Add to favourites")
    return format_html(
        '<form class="fav" method="post" action="{}" hx-post="{}" hx-swap="outerHTML">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
        '  <input type="hidden" name="on" value="{}">\n'
        '  <input type="hidden" name="next" value="{}">\n'
        '  <button type="submit" class="fav__btn{}" aria-pressed="{}" aria-label="{}" title="{}">'
        "{}</button>\n</form>",
        action,
        action,
        csrf_token,
        "0" if is_favorite else "1",
        request.get_full_path(),
        " is-on" if is_favorite else "",
        "true" if is_favorite else "false",
        label,
        label,
        _icon("heart", 22, ""),
    )
