"""Small static files put inline into the page (`{% inline_static "js/splash.js" %}`): what the
first paint needs and is too small to be worth a request of its own."""

import functools

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe

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
