"""Pages of the family journey, one module per section. Every view checks the role and
the family's visibility (404 for a family not the user's), and writes the audit log."""

from wholefamily.web.casework.views.common import forbid, require, step_page
from wholefamily.web.casework.views.family import (
    assessments,
    changes,
    chronology,
    chronology_csv,
    chronology_pdf,
    evidence,
    evidence_csv,
    family_detail,
    notes,
    progress,
    reviews,
)
from wholefamily.web.casework.views.family import plan as family_plan
from wholefamily.web.casework.views.journey import (
    allocate,
    baseline,
    close,
    consent,
    correct,
    found_need,
    intensity,
    reopen,
    step,
)
from wholefamily.web.casework.views.lists import dashboard, family_list, filter_codes
from wholefamily.web.casework.views.nominations import check, my_nominations, nominate
from wholefamily.web.casework.views.plan import (
    add_action,
    assess,
    edit_action,
    note,
    review,
    update_action,
)

__all__ = [
    "add_action",
    "allocate",
    "assess",
    "assessments",
    "baseline",
    "changes",
    "check",
    "chronology",
    "chronology_csv",
    "chronology_pdf",
    "close",
    "consent",
    "correct",
    "dashboard",
    "edit_action",
    "evidence",
    "evidence_csv",
    "family_detail",
    "family_list",
    "family_plan",
    "filter_codes",
    "forbid",
    "found_need",
    "intensity",
    "my_nominations",
    "nominate",
    "note",
    "notes",
    "progress",
    "reopen",
    "require",
    "review",
    "reviews",
    "step",
    "step_page",
    "update_action",
]
