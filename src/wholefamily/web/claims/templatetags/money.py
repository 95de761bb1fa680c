"""`{{ amount|money }}`: pounds as people write them (£44,640)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """Whole pounds with thousands separators; pence only when there are some."""
    if value is None or value == "":
        return "–"
    amount = float(value)
    sign = "-" if amount < 0 else ""
    if amount == int(amount):
        return f"{sign}£{abs(int(amount)):,}"
    return f"{sign}£{abs(amount):,.2f}"
