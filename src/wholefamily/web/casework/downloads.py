"""What the casework's CSV downloads hold: the codes an analyst works with, each with
its label beside it (a need's title, a source's name, a member's role)."""

from __future__ import annotations

from collections.abc import Iterator

from wholefamily.safecsv import neutralise
from wholefamily.web.families.labels import evidence_label, family_name, need_label, role_label
from wholefamily.web.families.models import Family

EVIDENCE_COLUMNS = (
    "family_id",
    "family",
    "need",
    "need_title",
    "person_id",
    "person",
    "role",
    "role_label",
    "source",
    "source_label",
    "row",
    "date",
    "indicator",
)


def evidence_rows(family: Family) -> Iterator[list[str]]:
    """The evidence download of a family: a header, then one row per record."""
    yield list(EVIDENCE_COLUMNS)
    members = list(family.member_set.select_related("person"))
    roles = {m.person_id: m.role for m in members}
    name = family.name or family_name(members, "")
    for ev in family.evidence.select_related("person"):
        role = roles.get(ev.person_id, "") if ev.person_id else ""
        yield [
            neutralise(str(x))
            for x in (
                family.family_id,
                name,
                ev.need,
                need_label(ev.need, family.framework),
                ev.person.person_id if ev.person else "",
                str(ev.person) if ev.person else "",
                role,
                role_label(role),
                ev.source,
                evidence_label(ev.source, ev.date),
                ev.row,
                ev.date or "",
                ev.indicator,
            )
        ]
