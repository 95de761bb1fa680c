"""The Children in Need census from the case database: `children_for_year(year)` gives
each child of the year's return as census records (`wholefamily.returns.cin`).

It reads the case database set-based, a dozen queries whatever the number of children
(each a subquery on the year's episodes, none per child), then builds the records in
memory. The rules, with the census's (docs/cin-census.md) and where it is silent:

Who is a child in need, and their episodes (<CINdetails>)
- A child's CIN episode is the child's part in a Family Help episode in which the child
  was referred (named in a request decided Family Help or child protection enquiry that
  belongs to the episode: the request that opened it, or one decided while it was open)
  or had statutory work: an assessment including them, a level of child in need, child
  protection or looked after, a section 47 enquiry or a child protection plan. A child
  with targeted help only and no such request (a Supporting Families case that never
  stepped up) is not in the census.
- A request decided no further action is an episode of its own for each child it names:
  referred on the day it came in, ReferralNFA true, closed on the day it was decided with
  reason RC7 ("services ended for another reason"). RC7 because the DfE's rules query
  RC8 and RC9 ("closed after assessment") on an episode with no assessment (8825Q), and
  an NFA referral has none. It is in the return of the year it came in: the DfE's rules
  query an NFA referral from before the year (8569Q). Decided after 31 March it is given
  as open. One that came in while the child had another episode open, or overlaps one,
  is a contact on that case, not an episode (the episodes would overlap, 8820).
- Referral date: the day the earliest such request naming the child came in; for a
  child who entered statutory work without one (stepping up from targeted help), or whose
  statutory work began before it, the day the first of their assessment, child in need,
  child protection or looked-after level and section 47 enquiry started, with referral
  source 5D (early help). A child protection plan's own start is not used: it follows a
  conference, and a plan that starts before the referral is for the DfE's rule 1105 to
  find, not to move the referral.
- Referral source: the request's code, unless the council's census settings
  (census.yaml, `referral_sources`) map the request's "who asked" name, or a source that
  is not a census code, to one.
- Closure: the Family Help episode's closing day and reason (one the census knows, or a
  wording that `closure_reasons` in census.yaml maps to one). The census is silent on
  Family Help's levels: a child who steps down to targeted help stays in the same
  episode, with the same lead practitioner, until the Family Help episode closes, so
  their CIN episode stays open too (Families First keeps one episode of help per
  family). A Family Help episode made from a Supporting Families case that is still open
  when the family's case was closed closes on the case's closing day, its wording mapped
  by `closure_reasons` (RC7 when not mapped).
- Primary need: the episode's; N1 (abuse or neglect) when it has none and the child had a
  section 47 enquiry or a child protection plan; otherwise left out, and the DfE's rule
  8610 says so. An NFA referral has none (8610 needs none).

Which episodes are in a year's return, and as they stood on 31 March
- An episode is in when the child was referred on or before 31 March and it had not
  closed before 1 April. Closed after 31 March, it is given as open (8620).
- Inside it, what was open at any time in the year, as it stood on 31 March: nothing
  that started after 31 March; an assessment authorised before 1 April is left out
  (8696), one authorised after 31 March is given as still open, without its
  authorisation date and factors (8614); a section 47 enquiry whose initial conference
  was before 1 April, or that was found to need none before 1 April, is left out (8715);
  a CIN plan or CP plan that ended before 1 April is left out (4013, 8930), one ending
  after 31 March is given as open; a CP plan's reviews are the review conferences held
  from 1 April to 31 March.

The modules
- Assessments: each assessment that includes the child (start, the day it was
  authorised, the factors once authorised).
- CIN plans: the child's levels at child in need, rows that follow on without a gap
  joined into one plan (a change of lead practitioner splits a row); a level that began
  and ended on the same day is not a plan.
- Section 47s: each enquiry of the child, with the initial conference due 15 working
  days from the strategy discussion (`protection.services.icpc_target`); the conference's
  date if the child was in the initial conference of that strategy discussion; "ICPC not
  required" when the enquiry's outcome says no conference (then no date). When a CP plan
  in the year follows a conference that no section 47 in the return carries (a strategy
  discussion without enquiries), that conference's date is the episode's own
  <DateOfInitialCPC> (2883, 2885), as long as no enquiry in it has one (2884).
- CP plans: the child's plans in the episode, with their categories, the review
  conferences' dates and the number of earlier plans.

The child (<ChildIdentifiers>, <ChildCharacteristics>)
- LAchildID: the person's id when it is at most 20 letters and digits (the DfE's rules
  1570, 1580); otherwise "X" and the first 19 hexadecimal digits of the SHA-256 of the
  id, in capitals: stable from year to year, and as unique as the ids.
- Birth date from the person; a birth date after 31 March is an unborn child's expected
  birth date, and an unborn child's sex is U (8750). Sex M or F as recorded, U otherwise.
- UPN: the case database holds none, so UPNunknown says why: UN7 when every episode in
  the return is an NFA referral (8772 allows it only then), UN1 for a child not of
  school age on the census's reckoning (born after 31 August six years before the
  September after the reference date; the validator's 8770Q) or unborn, UN4 ("not yet
  obtained") otherwise.
- Ethnicity NOBT (not yet obtained) and disability NONE: the case database holds
  neither, and NONE is the only code the DfE's rules accept for a child with no recorded
  disability (8540); the rules' queries on disability coding (2887Q, 2888Q) follow.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from django.db.models import Q, QuerySet

from wholefamily.returns.cin import (
    Assessment,
    Child,
    CINEpisode,
    CINPlan,
    CollectionYear,
    CPPlan,
    Section47,
    codes,
    parse_year,
)
from wholefamily.web.families.models import Family, Person, Status
from wholefamily.web.familyhelp import models as fhm
from wholefamily.web.familyhelp.models import Decision, Episode, Level, Request
from wholefamily.web.protection import models as cpm
from wholefamily.web.protection.services import icpc_target

STEP_UP_SOURCE = "5D"  # early help
NFA_CLOSURE = "RC7"  # services ended for another reason (see the module's docstring)
UNMAPPED_CLOSURE = "RC7"
NEED_WHEN_PROTECTED = "N1"  # abuse or neglect
_CHUNK = 5000  # ids per query (SQLite's limit on a statement's parameters)
_LA_ID = re.compile(r"[A-Za-z0-9]{1,20}")
_STATUTORY = (Level.CIN, Level.CP, Level.CLA)
_JOINED = (Decision.FAMILY_HELP, Decision.CP_ENQUIRY)
_NO_CONFERENCE = (cpm.Outcome.NO_CONFERENCE, cpm.Outcome.NOT_SUBSTANTIATED)


def la_child_id(person_id: str) -> str:
    """The census's LAchildID for a person: their id, or a stable short one (see above)."""
    if _LA_ID.fullmatch(person_id):
        return person_id
    return "X" + hashlib.sha256(person_id.encode()).hexdigest()[:19].upper()


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Names:
    """The council's own names for census codes (census.yaml), keys compared without
    case or extra spaces."""

    referral_sources: Mapping[str, str] = field(default_factory=dict)
    closure_reasons: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def _sources(self) -> dict[str, str]:
        return {_key(k): v for k, v in self.referral_sources.items()}

    @cached_property
    def _closures(self) -> dict[str, str]:
        return {_key(k): v for k, v in self.closure_reasons.items()}

    def source(self, code: str, who: str) -> str:
        for text in (who, code):
            if text and _key(text) in self._sources:
                return self._sources[_key(text)]
        return code

    def closure(self, text: str) -> str:
        if text in codes.REASON_FOR_CLOSURE:
            return text
        return self._closures.get(_key(text), text)


@lru_cache(maxsize=4096)
def _icpc_due(held_on: date) -> date:
    return icpc_target(cpm.StrategyDiscussion(held_on=held_on))


@dataclass
class _Part:
    """One child's part in one Family Help episode, gathered before it is judged."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    levels: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    enquiries: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)


def _in_year_episodes(year: CollectionYear) -> QuerySet[Episode]:
    return Episode.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=year.start), opened_on__lte=year.end
    )


def children_for_year(
    year: CollectionYear | str,
    *,
    names: Names | None = None,
    people: dict[str, int] | None = None,
) -> Iterator[Child]:
    """Each child in the census return for `year` ("2025-26"), by LAchildID.

    `names` maps the council's own referral-source names and closure wording to census
    codes (the codes are checked by the records). `people`, when given, is filled with
    each child's LAchildID → the Person's primary key (for pages that name the child).
    """
    year = parse_year(year) if isinstance(year, str) else year
    names = names or Names()
    episodes = _in_year_episodes(year)
    ep_rows = {
        e["id"]: e
        for e in episodes.values(
            "id",
            "family_id",
            "request_id",
            "opened_on",
            "closed_on",
            "closure_reason",
            "primary_need",
            "from_supporting_families",
        )
    }
    parts: dict[tuple[int, int], _Part] = defaultdict(_Part)
    _gather_requests(episodes, ep_rows, parts)
    for lv in fhm.ChildLevel.objects.filter(episode__in=episodes).values(
        "episode_id", "child_id", "level", "started_on", "ended_on"
    ):
        parts[(lv["episode_id"], lv["child_id"])].levels.append(lv)
    assessments = {
        a["id"]: a
        for a in fhm.Assessment.objects.filter(episode__in=episodes).values(
            "id", "episode_id", "started_on", "authorised_on", "factors"
        )
    }
    for link in fhm.Assessment.children.through.objects.filter(
        assessment__episode__in=episodes
    ).values("assessment_id", "person_id"):
        a = assessments[link["assessment_id"]]
        parts[(a["episode_id"], link["person_id"])].assessments.append(a)
    _gather_protection(episodes, parts)

    family_closed = {
        f["id"]: f
        for f in Family.objects.filter(
            status=Status.CLOSED,
            closed_on__isnull=False,
            episodes__in=episodes.filter(from_supporting_families=True, closed_on__isnull=True),
        ).values("id", "closed_on", "closure_reason")
    }
    by_child: dict[int, list[CINEpisode]] = defaultdict(list)
    for (episode_id, child_id), part in parts.items():
        try:
            made = _episode(year, ep_rows[episode_id], part, names, family_closed)
        except ValueError as exc:
            who = Person.objects.filter(pk=child_id).values_list("person_id", flat=True).first()
            opened = ep_rows[episode_id]["opened_on"]
            raise ValueError(
                f"the Family Help episode opened {_words(opened)} of child {who}: {exc}"
            ) from None
        if made is not None:
            by_child[child_id].append(made)
    nfa = _nfa_referrals(year, names)
    for child_id in set(nfa) | set(by_child):
        by_child[child_id] = _with_nfa(by_child.get(child_id, []), nfa.get(child_id, []))

    ids = sorted(by_child)
    persons = [
        p
        for i in range(0, len(ids), _CHUNK)
        for p in Person.objects.filter(pk__in=ids[i : i + _CHUNK]).values(
            "id", "person_id", "dob", "sex"
        )
    ]
    rows = sorted(((la_child_id(p["person_id"]), p) for p in persons), key=lambda r: r[0])
    for la_id, p in rows:
        if people is not None:
            people[la_id] = p["id"]
        yield _child(year, la_id, p, tuple(sorted(by_child[p["id"]], key=_episode_order)))


def _episode_order(e: CINEpisode) -> tuple[date, date]:
    return (e.referral_date, e.closure_date or date.max)


def _gather_requests(
    episodes: QuerySet[Episode],
    ep_rows: dict[int, dict[str, Any]],
    parts: dict[tuple[int, int], _Part],
) -> None:
    """Each request decided Family Help or a CP enquiry, against the episode it belongs
    to: the one it opened, or the family's episode open on the day it was decided."""
    by_family: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in ep_rows.values():
        by_family[e["family_id"]].append(e)
    opened_by = {e["request_id"]: e["id"] for e in ep_rows.values() if e["request_id"]}
    requests = Request.objects.filter(
        Q(pk__in=episodes.values("request_id"))
        | Q(decision__in=_JOINED, family__in=episodes.values("family_id"))
    )
    rows = {
        r["id"]: r
        for r in requests.values(
            "id", "family_id", "received_on", "decided_on", "source", "source_name"
        )
    }
    for link in Request.children.through.objects.filter(request__in=requests).values(
        "request_id", "person_id"
    ):
        r = rows[link["request_id"]]
        episode_id = opened_by.get(r["id"])
        if episode_id is None:
            for e in by_family[r["family_id"]]:
                closed = e["closed_on"] or date.max
                if r["decided_on"] is not None and e["opened_on"] <= r["decided_on"] <= closed:
                    episode_id = e["id"]
                    break
        if episode_id is not None:
            parts[(episode_id, link["person_id"])].requests.append(r)


def _gather_protection(episodes: QuerySet[Episode], parts: dict[tuple[int, int], _Part]) -> None:
    initial = cpm.Conference.objects.filter(
        episode__in=episodes, kind=cpm.Conference.Kind.INITIAL, strategy__isnull=False
    )
    conference_of = {c["strategy_id"]: c for c in initial.values("id", "strategy_id", "held_on")}
    in_conference = set(
        cpm.Conference.children.through.objects.filter(conference__in=initial).values_list(
            "conference_id", "person_id"
        )
    )
    for q in cpm.Enquiry.objects.filter(strategy__episode__in=episodes).values(
        "strategy_id",
        "strategy__episode_id",
        "strategy__held_on",
        "child_id",
        "started_on",
        "completed_on",
        "outcome",
    ):
        conf = conference_of.get(q["strategy_id"])
        q["icpc"] = (
            conf["held_on"] if conf and (conf["id"], q["child_id"]) in in_conference else None
        )
        parts[(q["strategy__episode_id"], q["child_id"])].enquiries.append(q)
    all_initial = {
        c["id"]: c["held_on"]
        for c in cpm.Conference.objects.filter(
            episode__in=episodes, kind=cpm.Conference.Kind.INITIAL
        ).values("id", "held_on")
    }
    plans = {
        p["id"]: p
        for p in cpm.Plan.objects.filter(episode__in=episodes).values(
            "id",
            "episode_id",
            "child_id",
            "conference_id",
            "started_on",
            "ended_on",
            "initial_category",
            "latest_category",
            "previous_plans",
        )
    }
    for p in plans.values():
        p["reviews"] = []
        p["conference_on"] = all_initial.get(p["conference_id"])
        parts[(p["episode_id"], p["child_id"])].plans.append(p)
    for r in cpm.PlanReview.objects.filter(plan__episode__in=episodes).values("plan_id", "held_on"):
        plans[r["plan_id"]]["reviews"].append(r["held_on"])


def _statutory_start(part: _Part) -> date | None:
    days = [a["started_on"] for a in part.assessments]
    days += [lv["started_on"] for lv in part.levels if lv["level"] in _STATUTORY]
    days += [q["started_on"] for q in part.enquiries]
    return min(days, default=None)


def _episode(
    year: CollectionYear,
    ep: dict[str, Any],
    part: _Part,
    names: Names,
    family_closed: dict[int, dict[str, Any]],
) -> CINEpisode | None:
    first = _statutory_start(part)
    if not part.requests and first is None and not part.plans:
        return None  # targeted help only: not a child in need
    request = min(part.requests, key=lambda r: (r["received_on"], r["id"]), default=None)
    if request is not None and (first is None or request["received_on"] <= first):
        referral = request["received_on"]
        source = names.source(request["source"], request["source_name"])
    else:
        referral = first or min(p["started_on"] for p in part.plans)
        source = STEP_UP_SOURCE
    closed_on, reason = ep["closed_on"], names.closure(ep["closure_reason"])
    if closed_on is None and ep["family_id"] in family_closed:
        fam = family_closed[ep["family_id"]]
        if fam["closed_on"] >= ep["opened_on"]:
            closed_on = fam["closed_on"]
            reason = names.closure(fam["closure_reason"])
            if reason not in codes.REASON_FOR_CLOSURE:
                reason = UNMAPPED_CLOSURE
    if referral > year.end or (closed_on is not None and closed_on < year.start):
        return None
    if closed_on is not None and closed_on > year.end:
        closed_on = None
    end = year.end
    section47s, s47_icpcs = _section47s(year, part)
    cp_plans = _cp_plans(year, part)
    need = ep["primary_need"] or (NEED_WHEN_PROTECTED if (part.enquiries or part.plans) else None)
    icpc_on_episode = None
    if not s47_icpcs:
        held = [
            p["conference_on"]
            for p in part.plans
            if p["conference_on"] is not None and year.contains(p["conference_on"])
        ]
        icpc_on_episode = max(held, default=None)
    return CINEpisode(
        referral_date=referral,
        referral_source=source,
        primary_need=need,
        closure_date=closed_on,
        closure_reason=(reason or None) if closed_on is not None else None,
        initial_cpc_date=icpc_on_episode,
        assessments=_assessments(year, part),
        cin_plans=_cin_plans(end, year.start, part),
        section47s=section47s,
        cp_plans=cp_plans,
    )


def _assessments(year: CollectionYear, part: _Part) -> tuple[Assessment, ...]:
    out = []
    for a in sorted(part.assessments, key=lambda a: (a["started_on"], a["id"])):
        if a["started_on"] > year.end:
            continue
        done = a["authorised_on"]
        if done is not None and done < year.start:
            continue
        if done is not None and done > year.end:
            done = None
        factors = tuple(a["factors"] or ()) if done is not None else ()
        out.append(Assessment(start=a["started_on"], authorised=done, factors=factors))
    return tuple(out)


def _cin_plans(end: date, start: date, part: _Part) -> tuple[CINPlan, ...]:
    rows = sorted(
        (lv["started_on"], lv["ended_on"])
        for lv in part.levels
        if lv["level"] == Level.CIN and lv["ended_on"] != lv["started_on"]
    )
    joined: list[list[date | None]] = []
    for began, ended in rows:
        last = joined[-1] if joined else None
        if last is not None and last[1] is not None and began <= last[1]:
            last_end = last[1]
            last[1] = None if ended is None else max(ended, last_end)
        elif last is not None and last[1] is None:
            continue  # inside a row still open
        else:
            joined.append([began, ended])
    out = []
    for began, ended in joined:
        assert began is not None
        if began > end or (ended is not None and ended < start):
            continue
        out.append(CINPlan(began, ended if ended is not None and ended <= end else None))
    return tuple(out)


def _section47s(year: CollectionYear, part: _Part) -> tuple[tuple[Section47, ...], bool]:
    out, any_icpc = [], False
    for q in sorted(part.enquiries, key=lambda q: q["started_on"]):
        if q["started_on"] > year.end:
            continue
        decided = q["completed_on"] is not None and q["completed_on"] <= year.end
        not_required = q["outcome"] in _NO_CONFERENCE and decided
        icpc = None if q["outcome"] in _NO_CONFERENCE else q["icpc"]
        if icpc is not None and icpc > year.end:
            icpc = None
        if icpc is not None and icpc < year.start:
            continue
        if not_required and q["completed_on"] < year.start:
            continue
        any_icpc = any_icpc or icpc is not None
        out.append(
            Section47(
                start=q["started_on"],
                icpc_target=_icpc_due(q["strategy__held_on"]),
                icpc_date=icpc,
                icpc_not_required=not_required,
            )
        )
    return tuple(out), any_icpc


def _cp_plans(year: CollectionYear, part: _Part) -> tuple[CPPlan, ...]:
    out = []
    for p in sorted(part.plans, key=lambda p: (p["started_on"], p["id"])):
        ended = p["ended_on"]
        if p["started_on"] > year.end or (ended is not None and ended < year.start):
            continue
        out.append(
            CPPlan(
                start=p["started_on"],
                initial_category=p["initial_category"],
                latest_category=p["latest_category"],
                previous_plans=p["previous_plans"],
                end=ended if ended is not None and ended <= year.end else None,
                reviews=tuple(sorted(d for d in p["reviews"] if year.contains(d))),
            )
        )
    return tuple(out)


def _nfa_referrals(year: CollectionYear, names: Names) -> dict[int, list[CINEpisode]]:
    requests = Request.objects.filter(
        decision=Decision.NFA, received_on__gte=year.start, received_on__lte=year.end
    )
    rows = {
        r["id"]: r
        for r in requests.values("id", "received_on", "decided_on", "source", "source_name")
    }
    out: dict[int, list[CINEpisode]] = defaultdict(list)
    for link in Request.children.through.objects.filter(request__in=requests).values(
        "request_id", "person_id"
    ):
        r = rows[link["request_id"]]
        decided = r["decided_on"] if r["decided_on"] <= year.end else None
        try:
            episode = CINEpisode(
                referral_date=r["received_on"],
                referral_source=names.source(r["source"], r["source_name"]),
                referral_nfa=True,
                closure_date=decided,
                closure_reason=NFA_CLOSURE if decided else None,
            )
        except ValueError as exc:
            raise ValueError(f"the request received {_words(r['received_on'])}: {exc}") from None
        out[link["person_id"]].append(episode)
    return out


def _overlap(a: CINEpisode, b: CINEpisode) -> bool:
    """Whether the DfE's rule 8820 would find `a` starting inside `b`."""
    if a.referral_date < b.referral_date:
        return False
    if b.closure_date is not None:
        return a.referral_date < b.closure_date
    return not b.referral_nfa


def _with_nfa(episodes: list[CINEpisode], nfa: list[CINEpisode]) -> list[CINEpisode]:
    """The child's episodes with each NFA referral that does not overlap one kept."""
    kept = list(episodes)
    for e in sorted(set(nfa), key=_episode_order):
        if not any(_overlap(e, k) or _overlap(k, e) for k in kept):
            kept.append(e)
    return kept


def _school_age_born_by(year: CollectionYear) -> date:
    """Born on or before this day, a child is of school age for the census (8770Q)."""
    return date(year.first - 5, 8, 31)


def _child(
    year: CollectionYear, la_id: str, p: dict[str, Any], eps: tuple[CINEpisode, ...]
) -> Child:
    dob: date | None = p["dob"]
    unborn = dob is not None and dob > year.end
    sex = "U" if unborn else (p["sex"] or "").upper()
    if sex not in ("M", "F"):
        sex = "U"
    if all(e.referral_nfa for e in eps):
        unknown = "UN7"
    elif unborn or (dob is not None and dob > _school_age_born_by(year)):
        unknown = "UN1"
    else:
        unknown = "UN4"
    return Child(
        la_child_id=la_id,
        sex=sex,
        ethnicity="NOBT",
        episodes=eps,
        birth_date=None if unborn else dob,
        expected_birth_date=dob if unborn else None,
        upn_unknown=unknown,
        disabilities=("NONE",),
    )
