"""The fourteen sources of `shared/spec/extracts.md`, as data.

Each source lists its columns in file order, which of them are dates,
which hold codes (and the allowed set), and the column that identifies a
person within that source. Nothing here reads files; it only describes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PERSON_COLUMNS: tuple[str, ...] = (
    "forename",
    "surname",
    "dob",
    "sex",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "uprn",
)

SEX = frozenset({"M", "F", "U"})
YES_NO = frozenset({"Y", "N"})


@dataclass(frozen=True)
class Source:
    """One partner-agency extract."""

    name: str
    columns: tuple[str, ...]
    description: str
    title: str = ""
    """The source in words, as a practitioner names it ("DWP benefits")."""
    event: str = ""
    """What a row's evidence date is, in words ("claim started"): "DWP benefits, claim
    started 13 April 2020" rather than "dwp_benefits row 2688"."""
    dates: frozenset[str] = frozenset()
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    identifier: str | None = None
    """The column naming a person within this source (stable in the source only)."""
    has_person: bool = False
    """True when the source carries the PERSON columns."""
    council_held: bool = False
    """Council systems usually hold the UPRN; partner agencies mostly do not."""

    @property
    def names_people(self) -> bool:
        """True when each row names a person (PERSON columns, or a pupil's upn)."""
        return self.has_person or self.identifier == "upn"


def _with_person(before: tuple[str, ...], after: tuple[str, ...]) -> tuple[str, ...]:
    return (*before, *PERSON_COLUMNS, *after)


_SOURCES: tuple[Source, ...] = (
    Source(
        name="school_census",
        title="School census",
        event="census of",
        description="pupils on roll, one row per pupil per census",
        columns=_with_person(("upn",), ("school_urn", "census_date", "ncyear", "fsm", "sen")),
        dates=frozenset({"dob", "census_date"}),
        codes={"sex": SEX, "fsm": YES_NO, "sen": frozenset({"N", "K", "E"})},
        identifier="upn",
        has_person=True,
    ),
    Source(
        name="school_contacts",
        title="School contacts",
        event="recorded",
        description="parents and carers recorded by schools",
        columns=(
            "upn",
            "contact_forename",
            "contact_surname",
            "relationship",
            "parental_responsibility",
            "contact_address_line1",
            "contact_postcode",
            "contact_phone",
        ),
        codes={
            "relationship": frozenset(
                {
                    "MOTHER",
                    "FATHER",
                    "STEPMOTHER",
                    "STEPFATHER",
                    "GRANDPARENT",
                    "CARER",
                    "OTHER",
                }
            ),
            "parental_responsibility": YES_NO,
        },
        identifier="upn",
    ),
    Source(
        name="school_attendance",
        title="School attendance",
        event="term starting",
        description="one row per pupil per term",
        columns=(
            "upn",
            "school_urn",
            "academic_year",
            "term",
            "sessions_possible",
            "sessions_authorised_absence",
            "sessions_unauthorised_absence",
        ),
        codes={"term": frozenset({"AUT", "SPR", "SUM"})},
        identifier="upn",
    ),
    Source(
        name="school_exclusions",
        title="School exclusions",
        event="exclusion starting",
        description="suspensions and permanent exclusions",
        columns=("exclusion_ref", "upn", "school_urn", "start_date", "category", "sessions"),
        dates=frozenset({"start_date"}),
        codes={"category": frozenset({"SUSPENSION", "PERMANENT"})},
        identifier="upn",
    ),
    Source(
        name="police_offences",
        title="Police offences",
        event="outcome on",
        description="proven offences",
        columns=_with_person(
            ("offence_ref", "person_ref"),
            ("offence_date", "outcome_date", "outcome", "offence_group"),
        ),
        dates=frozenset({"dob", "offence_date", "outcome_date"}),
        codes={
            "sex": SEX,
            "outcome": frozenset(
                {
                    "CONVICTION",
                    "CAUTION",
                    "YOUTH_CAUTION",
                    "YOUTH_CONDITIONAL_CAUTION",
                    "CONDITIONAL_CAUTION",
                    "COMMUNITY_RESOLUTION",
                    "NO_FURTHER_ACTION",
                }
            ),
        },
        identifier="person_ref",
        has_person=True,
    ),
    Source(
        name="asb",
        title="Anti-social behaviour",
        event="incident on",
        description="anti-social behaviour incidents and interventions",
        columns=_with_person(
            ("incident_ref", "agency"), ("incident_date", "intervention", "housing_related")
        ),
        dates=frozenset({"dob", "incident_date"}),
        codes={
            "sex": SEX,
            "agency": frozenset({"POLICE", "COUNCIL", "HOUSING"}),
            "intervention": frozenset(
                {"NONE", "WARNING", "ABC", "INJUNCTION", "CBO", "ASBO", "CLOSURE_ORDER"}
            ),
            "housing_related": YES_NO,
        },
        has_person=True,
    ),
    Source(
        name="domestic_abuse",
        title="Domestic abuse",
        event="incident on",
        description="domestic abuse incidents, one row per person involved",
        columns=_with_person(("incident_ref", "incident_date"), ("role", "risk", "marac")),
        dates=frozenset({"dob", "incident_date"}),
        codes={
            "sex": SEX,
            "role": frozenset({"VICTIM", "PERPETRATOR", "CHILD_PRESENT"}),
            "risk": frozenset({"STANDARD", "MEDIUM", "HIGH"}),
            "marac": YES_NO,
        },
        has_person=True,
    ),
    Source(
        name="dwp_benefits",
        title="DWP benefits",
        event="claim started",
        description="benefit claims",
        columns=_with_person(("claim_ref", "nino"), ("benefit", "start_date", "end_date")),
        dates=frozenset({"dob", "start_date", "end_date"}),
        codes={
            "sex": SEX,
            "benefit": frozenset(
                {
                    "JSA",
                    "ESA",
                    "IS",
                    "IB",
                    "CA",
                    "SDA",
                    "UC_SEARCHING",
                    "UC_WORKING",
                    "PIP",
                    "CHB",
                }
            ),
        },
        identifier="nino",
        has_person=True,
    ),
    Source(
        name="employment",
        title="Employment",
        event="job started",
        description="spells of employment from payroll records",
        columns=_with_person(
            ("employment_ref", "nino"), ("start_date", "end_date", "weekly_hours")
        ),
        dates=frozenset({"dob", "start_date", "end_date"}),
        codes={"sex": SEX},
        identifier="nino",
        has_person=True,
    ),
    Source(
        name="health",
        title="Health",
        event="contact starting",
        description="contacts with health services",
        columns=_with_person(("nhs_number",), ("service", "start_date", "end_date")),
        dates=frozenset({"dob", "start_date", "end_date"}),
        codes={
            "sex": SEX,
            "service": frozenset(
                {
                    "CAMHS",
                    "ADULT_MENTAL_HEALTH",
                    "SUBSTANCE_MISUSE",
                    "ALCOHOL",
                    "TEENAGE_PREGNANCY",
                    "HEALTH_VISITING_CONCERN",
                    "A_AND_E",
                }
            ),
        },
        identifier="nhs_number",
        has_person=True,
    ),
    Source(
        name="social_care",
        title="Children's social care",
        event="episode started",
        description="children's social care episodes",
        columns=_with_person(
            ("episode_ref", "child_ref"),
            ("episode", "start_date", "end_date", "category", "missing_episodes"),
        ),
        dates=frozenset({"dob", "start_date", "end_date"}),
        codes={
            "sex": SEX,
            "episode": frozenset({"EARLY_HELP", "CIN", "CP", "CLA"}),
            "category": frozenset(
                {
                    "NEGLECT",
                    "EMOTIONAL",
                    "PHYSICAL",
                    "SEXUAL",
                    "MULTIPLE",
                    "FAMILY_DYSFUNCTION",
                    "ABSENT_PARENTING",
                    "OTHER",
                }
            ),
        },
        identifier="child_ref",
        has_person=True,
        council_held=True,
    ),
    Source(
        name="housing",
        title="Housing",
        event="event on",
        description="tenancy and homelessness events",
        columns=_with_person(
            ("event_ref", "tenancy_ref"), ("event", "event_date", "arrears_amount")
        ),
        dates=frozenset({"dob", "event_date"}),
        codes={
            "sex": SEX,
            "event": frozenset(
                {
                    "RENT_ARREARS",
                    "NOTICE_SEEKING_POSSESSION",
                    "EVICTION",
                    "HOMELESS_PRESENTATION",
                    "TEMPORARY_ACCOMMODATION",
                }
            ),
        },
        has_person=True,
        council_held=True,
    ),
    Source(
        name="referrals",
        title="Referrals",
        event="referred on",
        description="families nominated by professionals",
        columns=_with_person(
            ("referral_ref", "referral_date", "referrer_agency", "referrer_name"),
            ("family_role", "family_ref", "needs", "consent"),
        ),
        dates=frozenset({"dob", "referral_date"}),
        codes={
            "sex": SEX,
            "family_role": frozenset({"LEAD_ADULT", "ADULT", "CHILD"}),
            "consent": frozenset({"Y", "N", "U"}),
        },
        has_person=True,
        council_held=True,
    ),
    Source(
        name="gazetteer",
        title="Address register",
        description="the council's address register (LLPG)",
        columns=("uprn", "address_line1", "address_line2", "town", "postcode", "district", "lsoa"),
        council_held=True,
    ),
)

SOURCES: dict[str, Source] = {s.name: s for s in _SOURCES}

# sf-2022's need codes, the only ones a referral's `needs` list may carry.
REFERRAL_NEEDS: frozenset[str] = frozenset(
    {
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
    }
)

OUT_OF_WORK_BENEFITS: frozenset[str] = frozenset(
    {"JSA", "ESA", "IS", "IB", "CA", "SDA", "UC_SEARCHING"}
)
PROVEN_OUTCOMES: frozenset[str] = frozenset(
    {"CONVICTION", "CAUTION", "YOUTH_CAUTION", "YOUTH_CONDITIONAL_CAUTION", "CONDITIONAL_CAUTION"}
)


def source_names() -> list[str]:
    """The source names in the order of the spec."""
    return list(SOURCES)
