"""Template tags of the family's own pages: the language switch's choices, and dates in
words ("3 March 2026", the month's name in the page's language)."""

from __future__ import annotations

from datetime import date

from django import template
from django.conf import settings
from django.utils import formats

register = template.Library()


@register.simple_tag
def family_languages() -> list[tuple[str, str]]:
    """The languages a family member can choose, each named in itself; none when there
    is only one (the switch is not shown)."""
    if len(settings.FAMILY_LANGUAGES) < 2:
        return []
    names = dict(settings.LANGUAGES)
    return [(code, str(names.get(code, code))) for code in settings.FAMILY_LANGUAGES]


@register.filter
def day(value: date | None) -> str:
    """A date as "3 March 2026"."""
    if value is None:
        return ""
    return formats.date_format(value, "j F Y")
