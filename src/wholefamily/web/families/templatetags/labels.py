"""Template filters for words in place of codes: `{% load labels %}`, then
`{{ need.need|need_label:family.framework }}`, `{{ family.needs|needs_label:family.framework }}`,
`{{ member.role|role_label }}`, `{{ ev.source|source_label }}`,
`{{ ev.source|evidence_label:ev.date }}`, `{{ family.kids|kids_label }}`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

from wholefamily.web.families import labels

register = template.Library()


@register.filter
def need_label(code: str, framework: str = "") -> str:
    return labels.need_label(code, framework or "")


@register.filter
def needs_label(codes: str, framework: str = "") -> str:
    return labels.needs_label(codes or "", framework or "")


@register.filter
def framework_label(framework: str) -> str:
    return labels.framework_label(framework)


@register.filter
def role_label(code: str) -> str:
    return labels.role_label(code or "")


@register.filter
def source_label(name: str) -> str:
    return labels.source_label(name or "")


@register.filter
def evidence_label(source: str, on: date | None) -> str:
    return labels.evidence_label(source or "", on)


@register.filter
def kids_label(kids: list[Any]) -> str:
    """A family's children (`Family.kids`) with their ages today: "Jade (14), Tom (9)"."""
    from wholefamily.web import clock

    return labels.kids_label(kids or [], clock.today())
