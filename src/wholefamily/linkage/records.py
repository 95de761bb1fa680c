"""The records to link: every loaded row that names a person, in one shape.

One row per source row (of the drop's current files) with: `record_id`
(`source:row`), the deterministic key its source gives it (`upn:...`,
`nino:...`), name keys, date of birth, sex, postcode, resolved UPRN and the
date that dates its address; for a school's contact, the key of the pupil
(`upn:...`). Built as one Ibis union over the `src_` tables.

A run over several councils (`council_records`) takes each council's drop, its
rows tagged with the council's LA code (`la_code`): a record is then
`838:source:row`, and an identifier a council or police force gives out itself
(a social care child reference, a police person reference) is that council's
(`socialcare:838:...`), while a national one (UPN, NINO, NHS number) joins the
councils. One council alone: `la_code` is empty and the records are as ever.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily import warehouse as W
from wholefamily.sources.schema import SOURCES

# source -> (key prefix, identifier column). Keys with the same prefix are one
# namespace: a NINO in benefits and the same NINO in employment are one person.
ID_KEYS: dict[str, tuple[str, str]] = {
    "school_census": ("upn", "upn"),
    "school_attendance": ("upn", "upn"),
    "school_exclusions": ("upn", "upn"),
    "police_offences": ("police", "person_ref"),
    "dwp_benefits": ("nino", "nino"),
    "employment": ("nino", "nino"),
    "health": ("nhs", "nhs_number"),
    "social_care": ("socialcare", "child_ref"),
}

# The date that dates a row's address: an event's date, or for a spell the
# day it ended (open spells: the extract's own date, taken as today's data).
ADDRESS_DATE: dict[str, tuple[str, ...]] = {
    "school_census": ("census_date",),
    "police_offences": ("offence_date",),
    "asb": ("incident_date",),
    "domestic_abuse": ("incident_date",),
    "dwp_benefits": ("end_date", "start_date"),
    "employment": ("end_date", "start_date"),
    "health": ("end_date", "start_date"),
    "social_care": ("end_date", "start_date"),
    "housing": ("event_date",),
    "referrals": ("referral_date",),
}
OPEN_SPELL = ibis.date(2999, 12, 31)  # an open spell's address is the current one

RECORD_SCHEMA = {
    "record_id": "string",
    "source": "string",
    "row": "int64",
    "file_id": "string",
    "id_key": "string",
    "forename": "string",
    "surname": "string",
    "dob": "date",
    "sex": "string",
    "postcode": "string",
    "uprn": "string",
    "address_date": "date",
    "born_by": "date",
    "given_forename": "string",
    "given_surname": "string",
    "pupil_key": "string",
    "la_code": "string",
}
# A run over several councils: (LA code, drop id) each; one council alone: [(None, drop)].
Councils = list[tuple[str | None, str]]
# Identifiers a council (or its police force) gives out: one council's, never another's.
LOCAL_KEYS = ("police", "socialcare")
PARENT_MIN_AGE_YEARS = 13  # a school contact with parental role is at least this old


def person_sources() -> list[str]:
    return [s for s, spec in SOURCES.items() if spec.names_people]


def current_files(con: Any, drop_id: str) -> dict[str, str]:
    """source -> file_id of the drop's current file, for loaded files only."""
    m = con.table("drop_manifest")
    f = con.table("load_files")
    rows = (
        m.filter(m.drop_id == drop_id)
        .join(f, "file_id")
        .filter(lambda t: t.rows_loaded > 0)
        .select("source", "file_id")
        .execute()
    )
    return {str(s): str(i) for s, i in zip(rows["source"], rows["file_id"], strict=True)}


def _null(kind: str) -> ir.Value:
    return ibis.null(kind)


def source_records(
    con: Any, source: str, file_id: str, today: date, la_code: str | None = None
) -> ir.Table:
    t = con.table(f"src_{source}")
    t = t.filter(t.file_id == file_id)
    cols = set(t.columns)
    key: ir.Value = _null("string")
    if source in ID_KEYS:
        prefix, col = ID_KEYS[source]
        if la_code and prefix in LOCAL_KEYS:
            prefix = f"{prefix}:{la_code}"
        ident = t[col].strip().upper()
        key = ibis.ifelse(ident.isnull() | (ident == ""), _null("string"), f"{prefix}:" + ident)
    elif source == "school_contacts":
        # No identifier: the same phone and forename is the same contact.
        phone = t.contact_phone.re_replace(r"[^0-9]", "")
        key = ibis.ifelse(
            (phone == "") | t.contact_forename_key.isnull(),
            _null("string"),
            "contact:" + phone + ":" + t.contact_forename_key,
        )
    sex: ir.Value = t.sex if "sex" in cols else _null("string")
    pupil: ir.Value = _null("string")
    born_by: ir.Value = _null("date")
    given = {
        "forename": t.forename if "forename" in cols else _null("string"),
        "surname": t.surname if "surname" in cols else _null("string"),
    }
    if source == "school_contacts":
        names = {"forename": t.contact_forename_key, "surname": t.contact_surname_key}
        given = {"forename": t.contact_forename, "surname": t.contact_surname}
        postcode = t.contact_postcode
        sex = t.relationship.substitute(
            {"MOTHER": "F", "STEPMOTHER": "F", "FATHER": "M", "STEPFATHER": "M"},
            else_=_null("string"),
        )
        parent = t.relationship.isin(["MOTHER", "FATHER", "STEPMOTHER", "STEPFATHER"])
        latest = ibis.date(today.year - PARENT_MIN_AGE_YEARS, today.month, 1)
        born_by = ibis.ifelse(parent, latest, _null("date"))
        upn = t.upn.strip().upper()
        pupil = ibis.ifelse(upn.isnull() | (upn == ""), _null("string"), "upn:" + upn)
    else:
        names = {
            "forename": t.forename_key if "forename_key" in cols else _null("string"),
            "surname": t.surname_key if "surname_key" in cols else _null("string"),
        }
        postcode = t.postcode if "postcode" in cols else _null("string")
    dates = ADDRESS_DATE.get(source, ())
    when: ir.Value = _null("date")
    if len(dates) > 1:  # a spell: its end, or (open) now
        when = ibis.ifelse(t[dates[0]].isnull(), OPEN_SPELL, t[dates[0]])
    elif dates:
        when = t[dates[0]]
    record_id = ibis.literal(source) + ":" + t.row.cast("string")
    return t.select(
        record_id=ibis.literal(f"{la_code}:") + record_id if la_code else record_id,
        source=ibis.literal(source),
        row=t.row,
        file_id=t.file_id,
        id_key=key,
        forename=names["forename"],
        surname=names["surname"],
        dob=t.dob if "dob" in cols else _null("date"),
        sex=sex,
        postcode=postcode,
        uprn=t.address_uprn if "address_uprn" in cols else _null("string"),
        address_date=when.cast("date"),
        born_by=born_by.cast("date"),
        given_forename=given["forename"],
        given_surname=given["surname"],
        pupil_key=pupil.cast("string"),
        la_code=ibis.literal(la_code, "string") if la_code else _null("string"),
    )


def records(con: Any, drop_id: str, today: date | None = None) -> ir.Table:
    """Every row of the drop that names a person, in the record shape."""
    return council_records(con, [(None, drop_id)], today)


def council_records(con: Any, councils: Councils, today: date | None = None) -> ir.Table:
    """Every row that names a person of each (LA code, drop): one council's drop (LA
    code None: untagged), or several councils' (see the module docstring)."""
    today = today or date.today()
    parts = []
    for la_code, drop_id in councils:
        files = current_files(con, drop_id)
        parts += [
            source_records(con, s, files[s], today, la_code)
            for s in person_sources()
            if s in files and W.has_table(con, f"src_{s}")
        ]
    if not parts:
        return ibis.memtable(
            {k: [] for k in RECORD_SCHEMA}, schema=RECORD_SCHEMA
        )  # nothing loaded that names a person
    return ibis.union(*parts, distinct=False)
