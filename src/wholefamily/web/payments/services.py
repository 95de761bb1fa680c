"""What is done with support packages and budgets, each checked whole before it writes.

Every function raises `Refused` (familyhelp's: a field, when one is to blame, and one
plain sentence) before anything is saved; the pages show it beside the field, the
command line prints it and exits 2.

Eligibility (`eligibility`), in this service's reading of "an open Family Help or child
protection plan": the child named is, today, at the child-in-need or child protection
level of the family's open Family Help episode, or has an open child protection plan.
Targeted help alone is not enough: it has no statutory plan. Then the episode's lead
practitioner (named, and still able to sign in), and either a family group
decision-making meeting whose plan identified support, or the family's recorded
reason that it has no network.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.casework.access import role_of
from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp.access import name_of, open_episode
from wholefamily.web.familyhelp.models import ChildLevel, Level
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.networks.models import Meeting, NetworkMember, NoNetwork
from wholefamily.web.payments import access
from wholefamily.web.payments.models import (
    Budget,
    Frequency,
    Group,
    Kind,
    LedgerEntry,
    Package,
    State,
)
from wholefamily.web.payments.money import manager_limit, parse_year, pounds, year_of
from wholefamily.web.protection.models import Plan

PLAN_LEVELS = (Level.CIN, Level.CP)
LEVEL_WORDS = {Level.CIN: "child in need", Level.CP: "child protection"}
LONGEST = 3 * 366  # days: a recurring package runs at most about three years


def day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


# --- Eligibility ------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    name: str
    met: bool
    words: str  # what meets it, or what is missing


def _children(family: Family) -> list[Person]:
    return [
        m.person
        for m in family.member_set.filter(current=True, role="CHILD")
        .select_related("person")
        .order_by("person__dob")
    ]


def _plan_words(family: Family, child: Person) -> str:
    """How the child has a plan today ("" when they have none)."""
    if Plan.objects.filter(child=child, ended_on__isnull=True, episode__family=family).exists():
        return f"{child} has a child protection plan"
    level = ChildLevel.objects.filter(
        episode__family=family,
        episode__closed_on__isnull=True,
        child=child,
        ended_on__isnull=True,
        level__in=PLAN_LEVELS,
    ).first()
    if level is None:
        return ""
    return f"{child} is at the {LEVEL_WORDS[level.level]} level of Family Help"


def support_meetings(family: Family) -> list[Meeting]:
    """The family's family group decision-making meetings whose plan identified support."""
    return list(
        Meeting.objects.filter(family=family, plan__support_needed__gt="")
        .distinct()
        .prefetch_related("plan", "plan__member")
    )


def meeting_words(m: Meeting) -> str:
    support = "; ".join(
        f"{item.support_needed} ({item.member})" for item in m.plan.all() if item.support_needed
    )
    return f"{m.get_kind_display()} of {day(m.held_on)} identified: {support}"


def eligibility(
    family: Family,
    child: Person | None = None,
    meeting: Meeting | None = None,
    no_network: NoNetwork | None = None,
) -> list[Condition]:
    """The three conditions, each met or what is missing: for `child` (any of the
    family's children when None), and the `meeting` or `no_network` record chosen (any
    the family has when neither is)."""
    kids = [child] if child is not None else _children(family)
    plans = [w for w in (_plan_words(family, k) for k in kids) if w]
    plan_name = (
        "An open Family Help plan (child in need or child protection) or child protection plan"
    )
    if plans:
        first = Condition(plan_name, True, "; ".join(plans))
    else:
        who = str(child) if child is not None else "No child"
        first = Condition(
            plan_name,
            False,
            f"Missing: {who} is not at the child in need or child protection level of an "
            "open Family Help episode, and has no open child protection plan",
        )
    episode = open_episode(family)
    lead_name = "A named lead practitioner"
    if episode is None:
        second = Condition(lead_name, False, "Missing: the family has no open Family Help")
    elif not episode.lead.is_active:
        second = Condition(
            lead_name, False, f"Missing: the lead practitioner {name_of(episode.lead)} has left"
        )
    else:
        second = Condition(lead_name, True, name_of(episode.lead))
    third_name = (
        "A family group decision-making meeting that identified the support, or a recorded "
        "reason the family has no network"
    )
    if meeting is not None:
        ok = meeting.family_id == family.pk and meeting.plan.exclude(support_needed="").exists()
        third = Condition(
            third_name,
            ok,
            meeting_words(meeting)
            if ok
            else "Missing: the meeting chosen identified no support in the family’s plan",
        )
    elif no_network is not None:
        ok = no_network.family_id == family.pk
        third = Condition(
            third_name,
            ok,
            f"No network, recorded on {day(no_network.on)}: {no_network.reason}"
            if ok
            else "Missing: the no-network record is another family’s",
        )
    else:
        found = [meeting_words(m) for m in support_meetings(family)] + [
            f"No network, recorded on {day(n.on)}: {n.reason}"
            for n in NoNetwork.objects.filter(family=family)
        ]
        third = Condition(
            third_name,
            bool(found),
            "; ".join(found)
            if found
            else "Missing: no family group decision-making meeting has identified support, "
            "and no reason the family has no network is recorded",
        )
    return [first, second, third]


# --- Schedules --------------------------------------------------------------------------


def _add_months(d: date, n: int, day_of_month: int) -> date:
    month0 = d.month - 1 + n
    year, month = d.year + month0 // 12, month0 % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day_of_month, last))


def due_dates(frequency: str, starts_on: date, ends_on: date | None) -> list[date]:
    """Each day a package pays: a one-off on its start; weekly every 7 days from the
    start; monthly on the start's day of each month, or the month's last day when it
    is shorter (a package from 31 January pays on the last day of February)."""
    if frequency == Frequency.ONE_OFF or ends_on is None:
        return [starts_on]
    dates = []
    if frequency == Frequency.WEEKLY:
        d = starts_on
        while d <= ends_on:
            dates.append(d)
            d += timedelta(days=7)
        return dates
    n = 0
    while (d := _add_months(starts_on, n, starts_on.day)) <= ends_on:
        dates.append(d)
        n += 1
    return dates


def schedule(p: Package) -> list[date]:
    return due_dates(p.frequency, p.starts_on, p.ends_on)


def total(p: Package) -> int:
    """The package's whole value in pence: every payment of a recurring one."""
    return p.pence * len(schedule(p))


# --- Budgets ----------------------------------------------------------------------------


def known_districts() -> list[str]:
    """The districts that exist: those of the case database's families and teams."""
    names = set(Family.objects.exclude(district="").values_list("district", flat=True))
    names |= set(Team.objects.exclude(district="").values_list("district", flat=True))
    return sorted(names)


def set_budget(year: str, district: str, group: str, amount: int, by: Any) -> Budget:
    try:
        year = parse_year(year)
    except ValueError as exc:
        raise Refused(str(exc).capitalize(), "year") from None
    districts = known_districts()
    if district not in districts:
        known = ", ".join(districts) or "none yet"
        raise Refused(
            f"There is no district called {district!r} (the districts: {known})", "district"
        )
    if group not in Group.values:
        raise Refused("Choose what the budget is for", "group")
    if amount <= 0:
        raise Refused("The budget must be more than £0", "amount")
    if role_of(by) != Role.HEAD_OF_SERVICE:
        raise Refused("Only the head of service sets budgets")
    if Budget.objects.filter(year=year, district=district, group=group).exists():
        raise Refused(
            f"{district} already has a {year} budget for {Group(group).label.lower()}", "group"
        )
    return Budget.objects.create(year=year, district=district, group=group, pence=amount, by=by)


@dataclass(frozen=True)
class Position:
    budget: Budget
    committed: int
    paid: int

    @property
    def remaining(self) -> int:
        return self.budget.pence - self.committed


def position(budget: Budget) -> Position:
    sums = {
        row["kind"]: row["s"] or 0
        for row in LedgerEntry.objects.filter(budget=budget).values("kind").annotate(s=Sum("pence"))
    }
    return Position(budget, sums.get(Kind.COMMITMENT, 0), sums.get(Kind.PAYMENT, 0))


def budgets_for(family: Family, year: str | None = None) -> list[Budget]:
    rows = Budget.objects.filter(district=family.district, group=Group.FNSP)
    return list(rows.filter(year=year) if year else rows)


# --- Proposing --------------------------------------------------------------------------


def propose(
    family: Family,
    child: Person,
    payee: NetworkMember,
    purpose: str,
    what: str,
    amount: int,
    frequency: str,
    starts_on: date,
    ends_on: date | None,
    budget: Budget,
    by: Any,
    meeting: Meeting | None = None,
    no_network: NoNetwork | None = None,
) -> Package:
    if not access.may_propose(by, family):
        raise Refused("Only the lead practitioner of the family’s Family Help proposes a package")
    if not family.member_set.filter(person=child, current=True, role="CHILD").exists():
        raise Refused(f"{child} is not a child of this family", "child")
    if payee.family_id != family.pk or not payee.current:
        raise Refused(f"{payee} is not a current member of this family’s network", "payee")
    if not what.strip():
        raise Refused("Say what the package pays for", "what")
    if amount <= 0:
        raise Refused("The amount must be more than £0", "amount")
    if frequency not in Frequency.values:
        raise Refused("Choose one-off, weekly or monthly", "frequency")
    if frequency == Frequency.ONE_OFF:
        ends_on = None
    else:
        words = Frequency(frequency).label.lower()
        if ends_on is None:
            raise Refused(f"A {words} package needs the date it ends", "ends_on")
        if ends_on < starts_on:
            raise Refused("The end date must be the same as or after the start date", "ends_on")
        if (ends_on - starts_on).days > LONGEST:
            raise Refused("A recurring package can run for at most three years", "ends_on")
    if budget.group != Group.FNSP or budget.district != family.district:
        raise Refused(
            "Choose a Family Network Support Package budget for "
            + (family.district or "the family’s district"),
            "budget",
        )
    if budget.year != year_of(starts_on):
        raise Refused(
            f"A package starting on {day(starts_on)} draws on the {year_of(starts_on)} budget, "
            f"not {budget.year}",
            "budget",
        )
    if (meeting is None) == (no_network is None):
        raise Refused(
            "Choose the meeting that identified the support, or the family’s no-network record",
            "basis",
        )
    for c in eligibility(family, child, meeting, no_network):
        if not c.met:
            raise Refused(c.words.removeprefix("Missing: ").capitalize(), "basis")
    return Package.objects.create(
        family=family,
        child=child,
        payee=payee,
        purpose=purpose,
        what=what.strip(),
        pence=amount,
        frequency=frequency,
        starts_on=starts_on,
        ends_on=ends_on,
        budget=budget,
        meeting=meeting,
        no_network=no_network,
        proposed_by=by,
    )


# --- Deciding ---------------------------------------------------------------------------


def needs_head(p: Package, pos: Position | None = None) -> list[str]:
    """Why the package needs the head of service (empty when a team manager may)."""
    why, value, limit = [], total(p), manager_limit()
    if value > limit:
        why.append(
            f"its whole value, {pounds(value)}, is above a team manager’s limit of {pounds(limit)}"
        )
    pos = pos or position(p.budget)
    if value > pos.remaining:
        why.append(
            f"it would overspend the budget ({pounds(pos.remaining)} remaining, "
            f"{pounds(value - pos.remaining)} over)"
        )
    return why


def _decided_already(p: Package) -> Refused:
    now = Package.objects.select_related("decided_by").get(pk=p.pk)
    if now.state == State.PROPOSED:
        return Refused(
            "Someone else changed this package after you opened this page: open it again"
        )
    return Refused(
        f"Someone else decided this package after you opened this page: it is now "
        f"{now.get_state_display().lower()} by {name_of(now.decided_by)}. Nothing more was saved"
    )


def decide(
    p: Package,
    approve: bool,
    by: Any,
    seen: int | None = None,
    reason: str = "",
    today: date | None = None,
) -> Package:
    """Approve (the whole value committed against the budget) or refuse (with a reason)
    a proposed package. Of two decisions at once one wins: the package's row changes
    only while it is still proposed and at the version the page showed (`seen`); the
    other is told who decided, and nothing of it is saved."""
    family = p.family
    if p.proposed_by_id == getattr(by, "pk", None):
        raise Refused("You proposed this package: someone else must decide it")
    if not access.may_decide(by, family):
        raise Refused(
            "Only a team manager of the family’s team, or the head of service, decides this package"
        )
    if not approve and not reason.strip():
        raise Refused("Say why the package is refused", "reason")
    today = today or timezone.localdate()
    with transaction.atomic():
        rows = Package.objects.filter(pk=p.pk, state=State.PROPOSED)
        if seen is not None:
            rows = rows.filter(version=seen)
        won = rows.update(
            state=State.APPROVED if approve else State.REFUSED,
            decided_by=by,
            decided_at=timezone.now(),
            refusal="" if approve else reason.strip(),
            version=F("version") + 1,
        )
        if won != 1:
            raise _decided_already(p)
        now = Package.objects.select_related("budget", "family", "payee", "child").get(pk=p.pk)
        if not approve:
            return now
        # The budget's row, locked until the end of the transaction: two approvals
        # against one budget are checked one after the other.
        Budget.objects.filter(pk=now.budget_id).update(version=F("version") + 1)
        if not now.payee.current:
            raise Refused(f"{now.payee} is no longer a member of the family’s network")
        for c in eligibility(family, now.child, now.meeting, now.no_network):
            if not c.met:
                raise Refused("Not eligible now: " + c.words.removeprefix("Missing: "))
        why = needs_head(now)
        if why and role_of(by) != Role.HEAD_OF_SERVICE:
            raise Refused("The head of service must approve this package: " + "; and ".join(why))
        LedgerEntry.objects.create(
            budget=now.budget,
            package=now,
            kind=Kind.COMMITMENT,
            pence=total(now),
            on=today,
            reference=f"FNSP{now.pk:06d}-C",
            by=by,
        )
        return now


# --- Payments and reversals -------------------------------------------------------------


def _stopped(p: Package) -> bool:
    return LedgerEntry.objects.filter(
        package=p, kind=Kind.COMMITMENT, reverses__isnull=False
    ).exists()


def record_payments(up_to: date, by: Any, today: date | None = None) -> list[LedgerEntry]:
    """A payment entry for every due date up to `up_to` of every approved package
    (whose commitment is not reversed) that has none yet: running it twice pays
    nothing twice. Each has a unique reference, FNSP<package>-<due date>."""
    today = today or timezone.localdate()
    if up_to > today:
        raise Refused(f"Payments cannot be recorded as made after today, {day(today)}", "up_to")
    made = []
    with transaction.atomic():
        for p in Package.objects.filter(state=State.APPROVED, starts_on__lte=up_to).order_by("pk"):
            # The package's row locked: two runs at once pay one after the other.
            Package.objects.filter(pk=p.pk).update(version=F("version"))
            if _stopped(p):
                continue
            paid = set(
                LedgerEntry.objects.filter(
                    package=p, kind=Kind.PAYMENT, reverses__isnull=True
                ).values_list("due_on", flat=True)
            )
            for due in schedule(p):
                if due > up_to or due in paid:
                    continue
                made.append(
                    LedgerEntry.objects.create(
                        budget_id=p.budget_id,
                        package=p,
                        kind=Kind.PAYMENT,
                        pence=p.pence,
                        on=due,
                        due_on=due,
                        reference=f"FNSP{p.pk:06d}-{due:%Y%m%d}",
                        by=by,
                    )
                )
    return made


def reverse(entry: LedgerEntry, by: Any, reason: str, today: date | None = None) -> LedgerEntry:
    """The correction of an entry: a new entry of the opposite amount (the entry itself
    stays as it was). Reversing a commitment stops the package's payments."""
    if entry.is_reversal:
        raise Refused("A reversal cannot itself be reversed: record the entry again instead")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise Refused(f"{entry.reference} is already reversed")
    if not reason.strip():
        raise Refused("Say why the entry is reversed", "reason")
    if role_of(by) not in (Role.HEAD_OF_SERVICE, Role.ANALYST):
        raise Refused("Only the head of service or a programme analyst reverses an entry")
    return LedgerEntry.objects.create(
        budget_id=entry.budget_id,
        package_id=entry.package_id,
        kind=entry.kind,
        pence=-entry.pence,
        on=today or timezone.localdate(),
        due_on=entry.due_on,
        reference=f"{entry.reference}-R",
        reverses=entry,
        reason=reason.strip(),
        by=by,
    )


def export_rows(year: str) -> list[dict[str, str]]:
    """The finance export: each payment (and reversed payment) against the year's budgets."""
    from wholefamily.web.payments.money import plain

    parse_year(year)
    rows = []
    for e in (
        LedgerEntry.objects.filter(kind=Kind.PAYMENT, budget__year=year)
        .select_related("package__payee", "package__decided_by", "budget")
        .order_by("on", "reference")
    ):
        rows.append(
            {
                "payment_reference": e.reference,
                "date": e.on.isoformat(),
                "payee": e.package.payee.name,
                "purpose": e.package.get_purpose_display(),
                "budget": str(e.budget),
                "amount": plain(e.pence),
                "approver": name_of(e.package.decided_by),
            }
        )
    return rows


def decided_at_words(at: datetime | None) -> str:
    return day(timezone.localtime(at).date()) if at else ""
