"""What a good row of each source looks like: typed columns and row rules.

`typed(source, t)` turns a staged table of raw text (`raw_<column>`) into
typed, normalised columns; `reasons(source, t, today)` lists, for every row
that breaks a rule, one record per broken rule: column, value, rule and a
message a data officer at the agency can act on.

Which values are required is not in the spec. A row is kept only when it can
be used as evidence: its identifier or reference, its event date and its
event type. Other missing values (a dob, an address) are kept as missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.ingest import normalise as N
from wholefamily.sources.schema import REFERRAL_NEEDS, SOURCES

INTEGERS = frozenset(
    {
        "ncyear",
        "sessions_possible",
        "sessions_authorised_absence",
        "sessions_unauthorised_absence",
        "sessions",
        "missing_episodes",
    }
)
DECIMALS = frozenset({"weekly_hours", "arrears_amount"})
NAME_COLUMNS = ("forename", "surname", "contact_forename", "contact_surname")

REQUIRED: dict[str, tuple[str, ...]] = {
    "school_census": ("upn", "census_date"),
    "school_contacts": ("upn",),
    "school_attendance": ("upn", "academic_year", "term", "sessions_possible"),
    "school_exclusions": ("upn", "start_date", "category"),
    "police_offences": ("offence_ref", "offence_date", "outcome"),
    "asb": ("incident_ref", "incident_date"),
    "domestic_abuse": ("incident_ref", "incident_date", "role"),
    "dwp_benefits": ("claim_ref", "benefit", "start_date"),
    "employment": ("employment_ref", "start_date"),
    "health": ("service", "start_date"),
    "social_care": ("episode_ref", "episode", "start_date"),
    "housing": ("event_ref", "event", "event_date"),
    "referrals": ("referral_ref", "referral_date", "family_ref"),
    "gazetteer": ("uprn", "address_line1", "postcode"),
}

# Pairs (start, end) where the end may not come before the start.
DATE_ORDER = (("start_date", "end_date"), ("offence_date", "outcome_date"))
EARLIEST_DATE = date(1900, 1, 1)
"""No date of birth or event before this is plausible in an extract."""


def kind(source: str, column: str) -> str:
    s = SOURCES[source]
    if column == "sex":
        return "sex"
    if column in s.dates:
        return "date"
    if column in s.codes:
        return "code"
    if column in INTEGERS:
        return "integer"
    if column in DECIMALS:
        return "decimal"
    if column == "needs":
        return "needs"
    if column == "academic_year":
        return "academic_year"
    return "text"


def event_dates(source: str) -> list[str]:
    """The date columns that date an event (not a date of birth)."""
    return [c for c in SOURCES[source].columns if c in SOURCES[source].dates and c != "dob"]


def _academic_year_ok(v: ir.StringValue) -> ir.BooleanValue:
    m = r"^([0-9]{4})/([0-9]{2})$"
    first: Any = v.re_extract(m, 1).try_cast("int64")
    second: Any = v.re_extract(m, 2).try_cast("int64")
    return v.re_search(m) & ((first + 1) % 100 == second)


def _needs(v: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue]:
    """(normalised `A;B` list, every code known)."""
    parts: Any = v.upper().split(";").map(lambda x: x.strip()).filter(lambda x: x != "")
    known = ibis.literal(sorted(REFERRAL_NEEDS), type="array<string>")
    unknown = parts.filter(lambda x: ~known.contains(x)).length()
    return parts.join(";"), unknown == 0


def value(col: str) -> str:
    """The working column holding `raw_<col>` trimmed, missing when blank (`cleaned`)."""
    return f"__v_{col}"


def cleaned(source: str, t: ir.Table) -> dict[str, ir.Value]:
    """Each `raw_` text column trimmed and blank as missing, once per column: the typed
    value and every rule asking whether the value is present read it (`value`)."""
    return {value(col): N.blank_to_null(t[f"raw_{col}"]) for col in SOURCES[source].columns}


def typed(source: str, t: ir.Table) -> dict[str, ir.Value]:
    """Typed, normalised columns from the `raw_` text columns (None where invalid);
    `t` holds the `cleaned` columns."""
    out: dict[str, ir.Value] = {}
    for col in SOURCES[source].columns:
        v = t[value(col)]
        k = kind(source, col)
        if k == "date":
            out[col] = N.date(v)
        elif k == "sex":
            out[col] = N.sex(v)
        elif k == "code":
            allowed = sorted(SOURCES[source].codes[col])
            up = v.upper()
            out[col] = ibis.ifelse(up.isin(allowed), up, ibis.null("string"))
        elif k == "integer":
            out[col] = N.integer(v)
        elif k == "decimal":
            out[col] = N.decimal(v)
        elif k == "needs":
            out[col] = _needs(v)[0]
        elif k == "academic_year":
            out[col] = ibis.ifelse(_academic_year_ok(v), v, ibis.null("string"))
        elif col in ("postcode", "contact_postcode"):
            out[col] = N.postcode(v)
        else:
            out[col] = v
    for col in NAME_COLUMNS:
        if col in SOURCES[source].columns:
            out[f"{col}_key"] = N.name_key(t[f"raw_{col}"])
    for col in ("postcode", "contact_postcode"):
        if col in SOURCES[source].columns:
            out[f"{col}_valid"] = N.postcode_valid(t[value(col)]).fill_null(False)
    return out


@dataclass(frozen=True)
class Reason:
    column: str
    rule: str
    message: str
    broken: ir.BooleanValue


def reasons(source: str, t: ir.Table, today: date) -> list[Reason]:
    """Every rule a row can break; `t` holds the `cleaned` values and typed `<col>`."""
    s = SOURCES[source]
    found: list[Reason] = []
    required = REQUIRED.get(source, ())

    def present(col: str) -> ir.BooleanValue:
        return t[value(col)].notnull()

    for col in s.columns:
        k = kind(source, col)
        if col in required:
            found.append(Reason(col, "required", f"{col} is required", ~present(col)))
        bad = present(col) & t[col].isnull()
        if k == "date":
            found.append(Reason(col, "date", "not a date as YYYY-MM-DD or DD/MM/YYYY", bad))
            if col != "dob":
                # Year 1 is a placeholder, not an event: it would stretch coverage by centuries.
                early = t[col] < EARLIEST_DATE
                found.append(Reason(col, "date_implausible", "date before 1900", early))
        elif k in ("code", "sex"):
            allowed = ", ".join(sorted(s.codes[col]))
            found.append(Reason(col, "code", f"not one of {allowed}", bad))
        elif k in ("integer", "decimal"):
            v = t[value(col)]
            parsed: Any = N.number(v) if k == "decimal" else v.try_cast("float64")
            found.append(Reason(col, "number", "not a number", bad & parsed.isnull()))
            # `inf`, `NaN`, `1e19`, `12.5` sessions: spelled as numbers, but not usable ones.
            kind_msg = "whole number" if k == "integer" else "finite number"
            msg = f"not a {kind_msg} below 10^15"
            found.append(Reason(col, "number", msg, bad & parsed.notnull()))
            if col == "ncyear":
                out_of_range = (t[col] < -1) | (t[col] > 13)
                found.append(Reason(col, "range", "not a year from -1 to 13", out_of_range))
            else:
                found.append(Reason(col, "negative", "cannot be negative", t[col] < 0))
        elif k == "academic_year":
            found.append(Reason(col, "academic_year", "not an academic year like 2024/25", bad))
        elif k == "needs":
            ok = _needs(t[value(col)])[1]
            msg = "holds a need code other than " + ", ".join(sorted(REFERRAL_NEEDS))
            found.append(Reason(col, "code", msg, present(col) & ~ok.fill_null(True)))
    if "dob" in s.columns:
        found.append(
            Reason("dob", "dob_future", "date of birth is in the future", t["dob"] > today)
        )
        found.append(
            Reason("dob", "dob_implausible", "date of birth before 1900", t["dob"] < EARLIEST_DATE)
        )
    for start, end in DATE_ORDER:
        if start in s.columns and end in s.columns:
            found.append(Reason(end, "date_order", f"{end} is before {start}", t[end] < t[start]))
    if source == "school_attendance":
        absent = t["sessions_authorised_absence"].fill_null(0) + t[
            "sessions_unauthorised_absence"
        ].fill_null(0)
        found.append(
            Reason(
                "sessions_possible",
                "absence_exceeds_possible",
                "absences exceed the sessions possible",
                absent > t["sessions_possible"],
            )
        )
    return found
