"""The Children in Need census as records: one `Child` with its CIN episodes.

The records mirror the census XML as the DfE's validator (`csc-validator-be-cin` 0.1.13)
reads it; each field names its element. A record checks only what the file could not
carry at all: every code is one of the census's (codes.py), dates are dates, counts are
whole numbers. Everything the DfE's rules judge (a plan starting before its referral, an
episode left open, a review before its plan) is left to those rules, so that a return
can be written and the rules' report shown to the analyst (validate.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from wholefamily.returns.cin import codes


def _date(value: object, what: str, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{what} must be a date, not {value!r}")


def _dates(values: tuple[object, ...], what: str) -> None:
    for value in values:
        _date(value, what, optional=False)


def _tuple(value: object, what: str) -> None:
    if not isinstance(value, tuple):
        raise ValueError(f"{what} must be a tuple, not {type(value).__name__}")


@dataclass(frozen=True)
class Assessment:
    """<Assessments>: a child and family assessment in the episode."""

    start: date  # <AssessmentActualStartDate>
    authorised: date | None = None  # <AssessmentAuthorisationDate>: the assessment completed
    factors: tuple[str, ...] = ()  # <FactorsIdentifiedAtAssessment>/<AssessmentFactors>
    internal_review: date | None = None  # <AssessmentInternalReviewDate> (rarely used)

    def __post_init__(self) -> None:
        _date(self.start, "an assessment's start", optional=False)
        _date(self.authorised, "an assessment's authorisation date")
        _date(self.internal_review, "an assessment's internal review date")
        _tuple(self.factors, "an assessment's factors")
        for factor in self.factors:
            codes.check("assessment factor", factor)


@dataclass(frozen=True)
class CINPlan:
    """<CINPlanDates>: a child in need plan."""

    start: date  # <CINPlanStartDate>
    end: date | None = None  # <CINPlanEndDate>

    def __post_init__(self) -> None:
        _date(self.start, "a CIN plan's start", optional=False)
        _date(self.end, "a CIN plan's end")


@dataclass(frozen=True)
class Section47:
    """<Section47>: a section 47 enquiry and its initial child protection conference."""

    start: date  # <S47ActualStartDate>
    # <InitialCPCtarget>: 15 working days from the strategy discussion
    icpc_target: date | None = None
    icpc_date: date | None = None  # <DateOfInitialCPC>
    icpc_not_required: bool = False  # <ICPCnotRequired>

    def __post_init__(self) -> None:
        _date(self.start, "a section 47 enquiry's start", optional=False)
        _date(self.icpc_target, "a section 47 enquiry's ICPC target date")
        _date(self.icpc_date, "a section 47 enquiry's ICPC date")
        if not isinstance(self.icpc_not_required, bool):
            raise ValueError("ICPC not required must be true or false")


@dataclass(frozen=True)
class CPPlan:
    """<ChildProtectionPlans>: a child protection plan and its review conferences."""

    start: date  # <CPPstartDate>
    initial_category: str  # <InitialCategoryOfAbuse>
    latest_category: str  # <LatestCategoryOfAbuse>
    previous_plans: int  # <NumberOfPreviousCPP>: plans the child had before this one, ever
    end: date | None = None  # <CPPendDate>
    reviews: tuple[date, ...] = ()  # <Reviews>/<CPPreviewDate>, one <Reviews> per date

    def __post_init__(self) -> None:
        _date(self.start, "a CP plan's start", optional=False)
        _date(self.end, "a CP plan's end")
        codes.check("category of abuse", self.initial_category)
        codes.check("category of abuse", self.latest_category)
        if (
            not isinstance(self.previous_plans, int)
            or isinstance(self.previous_plans, bool)
            or self.previous_plans < 0
        ):
            raise ValueError(
                f"the number of previous CP plans must be a whole number 0 or more, "
                f"not {self.previous_plans!r}"
            )
        _tuple(self.reviews, "a CP plan's reviews")
        _dates(self.reviews, "a CP plan's review")


@dataclass(frozen=True)
class CINEpisode:
    """<CINdetails>: one episode of need, from the referral to its closure."""

    referral_date: date  # <CINreferralDate>
    referral_source: str  # <ReferralSource>
    referral_nfa: bool = False  # <ReferralNFA>: the referral led to no further action
    primary_need: str | None = None  # <PrimaryNeedCode>: required unless NFA (rule 8610)
    closure_date: date | None = None  # <CINclosureDate>
    closure_reason: str | None = None  # <ReasonForClosure>
    initial_cpc_date: date | None = None  # <DateOfInitialCPC> on the episode (no s47 module)
    assessments: tuple[Assessment, ...] = ()
    cin_plans: tuple[CINPlan, ...] = ()
    section47s: tuple[Section47, ...] = ()
    cp_plans: tuple[CPPlan, ...] = ()

    def __post_init__(self) -> None:
        _date(self.referral_date, "a referral date", optional=False)
        codes.check("referral source", self.referral_source)
        if not isinstance(self.referral_nfa, bool):
            raise ValueError("referral NFA must be true or false")
        if self.primary_need is not None:
            codes.check("primary need", self.primary_need)
        _date(self.closure_date, "a closure date")
        if self.closure_reason is not None:
            codes.check("reason for closure", self.closure_reason)
        _date(self.initial_cpc_date, "an episode's ICPC date")
        for name, kind in (
            ("assessments", Assessment),
            ("cin_plans", CINPlan),
            ("section47s", Section47),
            ("cp_plans", CPPlan),
        ):
            items = getattr(self, name)
            _tuple(items, f"an episode's {name}")
            for item in items:
                if not isinstance(item, kind):
                    raise ValueError(f"an episode's {name} must hold {kind.__name__} records")


@dataclass(frozen=True)
class Child:
    """<Child>: <ChildIdentifiers>, <ChildCharacteristics> and the child's <CINdetails>."""

    la_child_id: str  # <LAchildID>: the council's id, at most 20 letters and digits
    sex: str  # <Sex>: M, F, or U (U for an unborn child)
    ethnicity: str  # <Ethnicity>
    episodes: tuple[CINEpisode, ...]
    birth_date: date | None = None  # <PersonBirthDate>
    expected_birth_date: date | None = None  # <ExpectedPersonBirthDate>: an unborn child
    upn: str | None = None  # <UPN>: the unique pupil number
    upn_unknown: str | None = None  # <UPNunknown>: why there is no UPN
    former_upn: str | None = None  # <FormerUPN>
    death_date: date | None = None  # <PersonDeathDate>
    disabilities: tuple[str, ...] = ("NONE",)  # <Disabilities>/<Disability>

    def __post_init__(self) -> None:
        if not isinstance(self.la_child_id, str) or not self.la_child_id.strip():
            raise ValueError("a child's LA child id must be given")
        who = f"child {self.la_child_id}"
        codes.check("sex", self.sex)
        codes.check("ethnicity", self.ethnicity)
        _tuple(self.disabilities, f"{who}'s disabilities")
        for code in self.disabilities:
            codes.check("disability", code)
        if self.upn_unknown is not None:
            codes.check("UPN unknown reason", self.upn_unknown)
        for value, what in ((self.upn, "UPN"), (self.former_upn, "former UPN")):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValueError(f"{who}'s {what} must be text or left out")
        _date(self.birth_date, f"{who}'s birth date")
        _date(self.expected_birth_date, f"{who}'s expected birth date")
        _date(self.death_date, f"{who}'s death date")
        _tuple(self.episodes, f"{who}'s episodes")
        for episode in self.episodes:
            if not isinstance(episode, CINEpisode):
                raise ValueError(f"{who}'s episodes must be CINEpisode records")
