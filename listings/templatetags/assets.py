"""Small static files put inline into the page (`{% inline_static "js/splash.js" %}`): what the
first paint needs and is too small to be worth a request of its own."""

import functools

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def inline_static(path: str) -> str:
    if settings.DEBUG:  # development: the file as it is now
        return mark_safe(_read(path))
    return _kept(path)


@functools.cache
def _kept(path: str) -> str:
    return mark_safe(_read(path))


def _read(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"inline_static: no static file {path!r}")
    with open(found, encoding="utf-8") as source:
        return source.read()


_rendered: dict[tuple, str] = {}


class KeptNode(template.Node):
    def __init__(self, nodelist, name: str, keys: list):
        self.nodelist, self.name, self.keys = nodelist, name, keys

    def render(self, context) -> str:
        key = (self.name, get_language(), *(k.resolve(context) for k in self.keys))
        if settings.DEBUG or key not in _rendered:
            _rendered[key] = self.nodelist.render(context)
        return _rendered[key]


@register.tag
def kept(parser, token):
    """`{% kept "name" var ... %}...{% endkept %}`: markup that depends only on the language and
    the vars (links and their labels), rendered once per process for each of them."""
    name, *keys = token.split_contents()[1:]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, name.strip("\"'"), [parser.compile_filter(k) for k in keys])
