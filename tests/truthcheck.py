"""Independent readings of the shipped frameworks over a synthetic drop, using the truth.

Each reading joins the drop's rows to the generator's true people through
truth_records.csv and to true households through truth_households.csv, so it
measures the rules, not our linkage. It is deliberately plain SQL written from
`shared/spec/frameworks.md`, apart from the product's rule engine: nothing
here is compiled from the framework files.
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

import duckdb

from wholefamily.sources.calendar import Term, term_of

SOURCES = (
    "police_offences",
    "asb",
    "school_attendance",
    "school_exclusions",
    "social_care",
    "dwp_benefits",
    "housing",
    "domestic_abuse",
    "health",
    "referrals",
)
PROVEN = "'CONVICTION','CAUTION','YOUTH_CAUTION','YOUTH_CONDITIONAL_CAUTION','CONDITIONAL_CAUTION'"
OUT_OF_WORK = "'JSA','ESA','IS','IB','CA','SDA','UC_SEARCHING'"
SF_2022 = (
    "EDUCATION",
    "EARLY_YEARS",
    "HEALTH",
    "SUBSTANCE_USE",
    "RELATIONSHIPS",
    "CHILD_SAFETY",
    "CRIME",
    "DOMESTIC_ABUSE",
    "HOUSING",
    "FINANCE",
)


def last_three_terms(as_of: date) -> list[Term]:
    term = term_of(as_of)
    if term.last_day > as_of:
        term = term.previous()
    return [term.previous().previous(), term.previous(), term]


def months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    last = calendar.monthrange(y, m + 1)[1]
    return date(y, m + 1, min(d.day, last))


class Reading:
    """The drop and the truth of one county as SQL views, and the spec's words as SQL."""

    def __init__(self, county: Path, as_of: date) -> None:
        drop = county / "drop"
        self.con = con = duckdb.connect()
        for name in SOURCES:
            con.execute(
                f"create view {name} as select row_number() over () as row, * from "
                f"read_csv('{drop / (name + '.csv')}', all_varchar=true, header=true)"
            )
        for name, file in (("tr", "records"), ("th", "households"), ("tp", "people")):
            con.execute(
                f"create view {name} as select * from "
                f"read_csv('{county / f'truth_{file}.csv'}', all_varchar=true)"
            )
        con.execute(
            "create macro dt(x) as coalesce(try_strptime(x, '%Y-%m-%d'), "
            "try_strptime(x, '%d/%m/%Y'))::date"
        )
        # Whole years from dob to d.
        con.execute(
            "create macro years(dob, d) as date_diff('year', dob, d) - "
            "(strftime(d, '%m%d') < strftime(dob, '%m%d'))::int"
        )
        self.t = as_of.isoformat()
        self.w = months_before(as_of, 12).isoformat()
        terms = last_three_terms(as_of)
        self.t_first = terms[0].first_day.isoformat()
        self.t_last = terms[-1].last_day.isoformat()
        self.term_keys = ", ".join(f"('{x.academic_year}', '{x.code}')" for x in terms)

    # Row filters ---------------------------------------------------------
    def rows(self, source: str, where: str, extra: str = "") -> str:
        """True people (and the row) behind rows of `source` meeting `where`."""
        return (
            f"select tr.person_id{extra} from {source} s join tr on tr.source = '{source}' "
            f"and tr.row::bigint = s.row where {where}"
        )

    def in_window(self, col: str) -> str:
        return f"dt({col}) > date '{self.w}' and dt({col}) <= date '{self.t}'"

    def open_at(self) -> str:
        return (
            f"dt(start_date) <= date '{self.t}' and (coalesce(end_date, '') = '' "
            f"or dt(end_date) > date '{self.t}')"
        )

    def open_or_started(self) -> str:
        return f"(({self.open_at()}) or ({self.in_window('start_date')}))"

    def overlaps(self) -> str:
        return (
            f"dt(start_date) <= date '{self.t}' and (coalesce(end_date, '') = '' "
            f"or dt(end_date) > date '{self.w}')"
        )

    def in_terms(self, col: str) -> str:
        return f"dt({col}) between date '{self.t_first}' and date '{self.t_last}'"

    # Pupils ----------------------------------------------------------------
    def absence(self, having: str) -> str:
        """Pupils whose sums over the last 3 terms (p possible, a authorised, u
        unauthorised) satisfy `having`, compared in integers."""
        return (
            "select person_id from (select tr.person_id, sum(sessions_possible::int) p, "
            "sum(coalesce(sessions_authorised_absence, '0')::int) a, "
            "sum(coalesce(sessions_unauthorised_absence, '0')::int) u "
            "from school_attendance s join tr on tr.source = 'school_attendance' and "
            f"tr.row::bigint = s.row where (academic_year, upper(term)) in ({self.term_keys}) "
            f"group by 1) where p > 0 and {having}"
        )

    def exclusions(self, having: str) -> str:
        return (
            "select person_id from (select tr.person_id, count(*) filter (where "
            "upper(category) = 'SUSPENSION') n_s, count(*) filter (where upper(category) = "
            "'PERMANENT') n_p from school_exclusions s join tr on tr.source = "
            f"'school_exclusions' and tr.row::bigint = s.row where {self.in_terms('start_date')} "
            f"group by 1) where {having}"
        )

    def young_offender(self) -> str:
        proven = self.rows(
            "police_offences",
            f"upper(outcome) in ({PROVEN}) and " + self.in_window("outcome_date"),
            ", dt(s.offence_date) od",
        )
        return (
            f"select e.person_id from ({proven}) e "
            "join tp using (person_id) where years(tp.dob::date, e.od) < 18"
        )

    def asb(self) -> str:
        return self.rows(
            "asb",
            "upper(intervention) not in ('NONE','WARNING') and " + self.in_window("incident_date"),
        )

    def proven(self) -> str:
        return self.rows(
            "police_offences", f"upper(outcome) in ({PROVEN}) and " + self.in_window("outcome_date")
        )

    def out_of_work(self) -> str:
        return self.rows("dwp_benefits", f"upper(benefit) in ({OUT_OF_WORK}) and {self.open_at()}")

    def health(self, services: str, when: str) -> str:
        return self.rows("health", f"upper(service) in ({services}) and {when}")

    def domestic_abuse(self) -> str:
        return self.rows("domestic_abuse", self.in_window("incident_date"))

    def referral(self, need: str) -> str:
        return self.rows(
            "referrals",
            f"list_contains(string_split(upper(needs), ';'), '{need}') and "
            + self.in_window("referral_date"),
        )

    # Needs to households -----------------------------------------------------
    def households(self, needs: dict[str, list[tuple[str, str]]]) -> dict[str, set[str]]:
        """household_id -> needs met, for every family (a household with a child).

        `needs` maps a need to (who, query) pairs: who is member, child or adult.
        """
        role = {"member": "", "child": "and th.role = 'CHILD'", "adult": "and th.role = 'ADULT'"}
        parts = [
            f"select distinct th.household_id, '{need}' as need from ({q}) e "
            f"join th on th.person_id = e.person_id {role[who]}"
            for need, queries in needs.items()
            for who, q in queries
        ]
        families = "select distinct household_id from th where role = 'CHILD'"
        sql = (
            f"select f.household_id, string_agg(distinct n.need, ';') from ({families}) f "
            f"left join ({' union all '.join(parts)}) n using (household_id) group by 1"
        )
        out: dict[str, set[str]] = {}
        for hid, agg in self.con.execute(sql).fetchall():
            out[hid] = set(agg.split(";")) if agg else set()
        return out


def tf2012(r: Reading) -> dict[str, list[tuple[str, str]]]:
    return {
        "CRIME_ASB": [("member", r.young_offender()), ("member", r.asb())],
        "EDUCATION": [
            ("child", r.exclusions("n_s >= 3 or n_p > 0")),
            ("child", r.absence("u * 100 >= p * 15")),
        ],
        "WORK": [("adult", r.out_of_work())],
        "LOCAL": [
            ("child", r.rows("social_care", f"upper(episode) in ('CIN','CP') and {r.open_at()}")),
            ("member", r.domestic_abuse()),
            ("member", r.health("'SUBSTANCE_MISUSE','ALCOHOL','ADULT_MENTAL_HEALTH'", r.open_at())),
        ],
    }


def _tf2015_education(r: Reading) -> list[tuple[str, str]]:
    return [
        ("child", r.absence("(a + u) * 10 >= p")),
        ("child", r.exclusions("n_s >= 3 or n_p > 0")),
    ]


def tf2015(r: Reading) -> dict[str, list[tuple[str, str]]]:
    return {
        "CRIME_ASB": [("member", r.proven()), ("member", r.asb())],
        "EDUCATION": _tf2015_education(r),
        "CHILDREN_NEED_HELP": [
            (
                "child",
                r.rows(
                    "social_care",
                    f"(upper(episode) in ('EARLY_HELP','CIN','CP') and {r.open_or_started()}) "
                    f"or (coalesce(missing_episodes, '0')::int > 0 and {r.overlaps()})",
                ),
            )
        ],
        "WORK_FINANCE": [
            ("adult", r.out_of_work()),
            (
                "member",
                r.rows(
                    "housing",
                    "((upper(event) = 'RENT_ARREARS' and arrears_amount::double >= 500) or "
                    "upper(event) in ('NOTICE_SEEKING_POSSESSION','EVICTION')) and "
                    + r.in_window("event_date"),
                ),
            ),
        ],
        "DOMESTIC_ABUSE": [("member", r.domestic_abuse())],
        "HEALTH": [
            (
                "member",
                r.health(
                    "'CAMHS','ADULT_MENTAL_HEALTH','SUBSTANCE_MISUSE','ALCOHOL',"
                    "'TEENAGE_PREGNANCY'",
                    r.open_or_started(),
                ),
            )
        ],
    }


def sf2022(r: Reading) -> dict[str, list[tuple[str, str]]]:
    concern = r.health("'HEALTH_VISITING_CONCERN'", r.open_or_started())
    early_years = (
        f"select e.person_id from ({concern}) e "
        f"join tp using (person_id) where years(tp.dob::date, date '{r.t}') < 5"
    )
    needs: dict[str, list[tuple[str, str]]] = {
        "EDUCATION": _tf2015_education(r),
        "EARLY_YEARS": [("child", early_years)],
        "HEALTH": [("member", r.health("'CAMHS','ADULT_MENTAL_HEALTH'", r.open_or_started()))],
        "SUBSTANCE_USE": [
            ("member", r.health("'SUBSTANCE_MISUSE','ALCOHOL'", r.open_or_started()))
        ],
        "RELATIONSHIPS": [
            (
                "member",
                r.rows(
                    "social_care",
                    "upper(category) in ('FAMILY_DYSFUNCTION','ABSENT_PARENTING') and "
                    + r.overlaps(),
                ),
            )
        ],
        "CHILD_SAFETY": [
            (
                "member",
                r.rows(
                    "social_care",
                    f"(upper(episode) in ('CIN','CP') and {r.open_or_started()}) or "
                    f"(coalesce(missing_episodes, '0')::int > 0 and {r.overlaps()})",
                ),
            )
        ],
        "CRIME": [("member", r.proven()), ("member", r.asb())],
        "DOMESTIC_ABUSE": [("member", r.domestic_abuse())],
        "HOUSING": [
            (
                "member",
                r.rows(
                    "housing",
                    "upper(event) in ('NOTICE_SEEKING_POSSESSION','EVICTION',"
                    "'HOMELESS_PRESENTATION','TEMPORARY_ACCOMMODATION') and "
                    + r.in_window("event_date"),
                ),
            )
        ],
        "FINANCE": [
            ("adult", r.out_of_work()),
            (
                "member",
                r.rows(
                    "housing",
                    "upper(event) = 'RENT_ARREARS' and arrears_amount::double >= 500 and "
                    + r.in_window("event_date"),
                ),
            ),
        ],
    }
    for need in SF_2022:
        needs[need].append(("member", r.referral(need)))
    return needs


def southampton2013(r: Reading) -> dict[str, list[tuple[str, str]]]:
    return {
        # attendance below 85%: (p - a - u) / p < 0.85
        "EDUCATION": [
            ("child", r.absence("(p - a - u) * 100 < p * 85")),
            ("child", r.exclusions("n_s > 0 or n_p > 0")),
        ],
        "CRIME_ASB": [("member", r.young_offender()), ("member", r.asb())],
        "WORK": [("adult", r.out_of_work())],
    }


READINGS = {
    "tf-2012": tf2012,
    "tf-2015": tf2015,
    "sf-2022": sf2022,
    "southampton-2013": southampton2013,
}


def eligible_from_needs(framework: str, needs: set[str]) -> bool:
    """Each framework's eligibility rule, read from the spec."""
    if framework == "tf-2012":
        core = len(needs & {"CRIME_ASB", "EDUCATION", "WORK"})
        return core == 3 or (core == 2 and "LOCAL" in needs)
    if framework == "sf-2022":
        return len(needs) >= 3
    return len(needs) >= 2


def framework_needs(county: Path, as_of: date, framework: str) -> dict[str, set[str]]:
    """household_id -> the needs of `framework` its family meets at `as_of`."""
    r = Reading(county, as_of)
    try:
        return r.households(READINGS[framework](r))
    finally:
        r.con.close()


def tf2015_needs(county: Path, as_of: date) -> dict[str, set[str]]:
    return framework_needs(county, as_of, "tf-2015")
