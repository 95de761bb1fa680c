"""`{% key_worker_contact family %}`: how to reach the family's key worker."""

from __future__ import annotations

from typing import Any

from django import template

from wholefamily.web.families.models import Family
from wholefamily.web.team.history import key_worker_contact as contact

register = template.Library()


@register.inclusion_tag("team/includes/key_worker_contact_block.html")
def key_worker_contact(family: Family) -> dict[str, Any]:
    return {"family": family, "contact": contact(family)}
