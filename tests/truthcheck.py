"""An independent reading of tf-2015 over a synthetic drop, using the generator's truth.

The tests use it to check the county is believable (how many families meet
two or more needs). It joins rows to people through truth_records.csv, so it
measures the county, not our linkage. It is deliberately written in plain SQL,
apart from the product's own rule engine.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from wholefamily.sources.calendar import Term, term_of


def last_three_terms(as_of: date) -> list[Term]:
    term = term_of(as_of)
    if term.last_day > as_of:
        term = term.previous()
    return [term.previous().previous(), term.previous(), term]


def months_before(d: date, months: int) -> date:
    import calendar

    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    last = calendar.monthrange(y, m + 1)[1]
    return date(y, m + 1, min(d.day, last))


def tf2015_needs(county: Path, as_of: date) -> dict[str, set[str]]:
    """household_id -> the tf-2015 needs its family meets at `as_of` (families only)."""
    drop = county / "drop"
    con = duckdb.connect()
    for name in (
        "police_offences",
        "asb",
        "school_attendance",
        "school_exclusions",
        "social_care",
        "dwp_benefits",
        "housing",
        "domestic_abuse",
        "health",
    ):
        con.execute(
            f"create view {name} as select row_number() over () as row, * from "
            f"read_csv('{drop / (name + '.csv')}', all_varchar=true, header=true)"
        )
    con.execute(
        f"create view tr as select * from read_csv('{county / 'truth_records.csv'}', "
        "all_varchar=true)"
    )
    con.execute(
        f"create view th as select * from read_csv('{county / 'truth_households.csv'}', "
        "all_varchar=true)"
    )
    con.execute(
        "create macro dt(x) as coalesce(try_strptime(x, '%Y-%m-%d'), "
        "try_strptime(x, '%d/%m/%Y'))::date"
    )
    t = as_of.isoformat()
    w = months_before(as_of, 12).isoformat()
    terms = last_three_terms(as_of)
    t_first, t_last = terms[0].first_day.isoformat(), terms[-1].last_day.isoformat()
    term_keys = ", ".join(f"('{x.academic_year}', '{x.code}')" for x in terms)

    def rows(source: str, where: str) -> str:
        return (
            f"select tr.person_id from {source} s join tr on tr.source = '{source}' "
            f"and tr.row::bigint = s.row where {where}"
        )

    proven = (
        "'CONVICTION','CAUTION','YOUTH_CAUTION','YOUTH_CONDITIONAL_CAUTION','CONDITIONAL_CAUTION'"
    )
    oow = "'JSA','ESA','IS','IB','CA','SDA','UC_SEARCHING'"
    in_w = f"> date '{w}' and {{}} <= date '{t}'"

    def window(col: str) -> str:
        return f"dt({col}) " + in_w.format(f"dt({col})")

    open_at = (
        f"dt(start_date) <= date '{t}' and (end_date is null or end_date = '' "
        f"or dt(end_date) > date '{t}')"
    )
    overlaps = (
        f"dt(start_date) <= date '{t}' and (end_date is null or end_date = '' "
        f"or dt(end_date) > date '{w}')"
    )
    needs = {
        "CRIME_ASB": [
            rows("police_offences", f"upper(outcome) in ({proven}) and " + window("outcome_date")),
            rows(
                "asb",
                "upper(intervention) not in ('NONE','WARNING') and " + window("incident_date"),
            ),
        ],
        "DOMESTIC_ABUSE": [rows("domestic_abuse", window("incident_date"))],
        "HEALTH": [
            rows(
                "health",
                "upper(service) in ('CAMHS','ADULT_MENTAL_HEALTH',"
                f"'SUBSTANCE_MISUSE','ALCOHOL','TEENAGE_PREGNANCY') and "
                f"(({open_at}) or {window('start_date')})",
            )
        ],
        "WORK_FINANCE_HOUSING": [
            rows(
                "housing",
                "((upper(event) = 'RENT_ARREARS' and "
                "arrears_amount::double >= 500) or upper(event) in "
                "('NOTICE_SEEKING_POSSESSION','EVICTION')) and " + window("event_date"),
            )
        ],
    }
    child_needs = {
        "CHILDREN_NEED_HELP": [
            rows(
                "social_care",
                "(upper(episode) in ('EARLY_HELP','CIN','CP')"
                f" and (({open_at}) or {window('start_date')})) or "
                f"(coalesce(missing_episodes, '0')::int > 0 and {overlaps})",
            )
        ],
        "EDUCATION": [
            f"select person_id from (select tr.person_id, sum(sessions_possible::int) p, "
            f"sum(sessions_authorised_absence::int + sessions_unauthorised_absence::int) a "
            f"from school_attendance s join tr on tr.source = 'school_attendance' and "
            f"tr.row::bigint = s.row where (academic_year, upper(term)) in ({term_keys}) "
            f"group by 1) where p > 0 and a * 10 >= p",
            f"select person_id from (select tr.person_id, count(*) filter (where "
            f"upper(category) = 'SUSPENSION') n_s, count(*) filter (where upper(category) = "
            f"'PERMANENT') n_p from school_exclusions s join tr on tr.source = "
            f"'school_exclusions' and tr.row::bigint = s.row where dt(start_date) between "
            f"date '{t_first}' and date '{t_last}' group by 1) where n_s >= 3 or n_p > 0",
        ],
    }
    adult_needs = {
        "WORK_FINANCE": [rows("dwp_benefits", f"upper(benefit) in ({oow}) and {open_at}")],
    }
    parts = []
    for role, group in (("", needs), ("CHILD", child_needs), ("ADULT", adult_needs)):
        for need, queries in group.items():
            label = need.replace("_HOUSING", "")
            cond = f"and th.role = '{role}'" if role else ""
            for q in queries:
                parts.append(
                    f"select distinct th.household_id, '{label}' as need from ({q}) e "
                    f"join th on th.person_id = e.person_id {cond}"
                )
    families = "select distinct household_id from th where role = 'CHILD'"
    sql = (
        f"select f.household_id, string_agg(distinct n.need, ';') from ({families}) f "
        f"left join ({' union all '.join(parts)}) n using (household_id) group by 1"
    )
    out: dict[str, set[str]] = {}
    for hid, agg in con.execute(sql).fetchall():
        out[hid] = set(agg.split(";")) if agg else set()
    return out
