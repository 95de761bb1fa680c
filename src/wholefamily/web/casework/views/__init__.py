"""Pages of the family journey, one module per section. Every view checks the role and
the family's visibility (404 for a family not the user's), and writes the audit log."""

from wholefamily.web.casework.views.common import forbid, require, step_page
from wholefamily.web.casework.views.family import evidence_csv, family_detail
from wholefamily.web.casework.views.journey import (
    allocate,
    baseline,
    close,
    consent,
    found_need,
    intensity,
    step,
)
from wholefamily.web.casework.views.lists import dashboard, family_list, filter_codes
from wholefamily.web.casework.views.nominations import check, my_nominations, nominate
from wholefamily.web.casework.views.plan import add_action, assess, note, review, update_action

__all__ = [
    "add_action",
    "allocate",
    "assess",
    "baseline",
    "check",
    "close",
    "consent",
    "dashboard",
    "evidence_csv",
    "family_detail",
    "family_list",
    "filter_codes",
    "forbid",
    "found_need",
    "intensity",
    "my_nominations",
    "nominate",
    "note",
    "require",
    "review",
    "step",
    "step_page",
    "update_action",
]
