"""The demo's family accounts: `wholefamily demo` makes them after the case work, Family
Help and the networks demos.

- One family the demo `keyworker` leads, active, with its plan filled in: at least one
  action in each part (what the family, the key worker, other agencies and the
  family's network will do), due around the demo's as-of date, and a review with the
  next one due. Its lead adult is invited as a parent by the key worker and accepts
  (user name `family`, a random password, printed once beside the staff accounts);
  then uses it: marks one of the family's actions done, adds an action of their own
  (left waiting for the key worker), says what is working before the review and gives
  feedback.
- A few other families, across the districts, with accounts made during the demo's
  year (one of them stopped since), pages looked at, and anonymous feedback spread over
  the quarters of 2025-26 and 2026-27, so the figures' "Families’ own view" section has
  something to show.

Invitations, accounts and what the family does go through `familyview.services`; the
rows with days in the past (feedback, pages looked at) are made directly. The same
demo every time (seeded); a second run gives `family` a new password and adds nothing.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from wholefamily.web import clock
from wholefamily.web.casework.models import Action, Review
from wholefamily.web.families.models import Family, Member, Status
from wholefamily.web.familyview import services
from wholefamily.web.familyview.models import FamilyAccount, Feedback, Relation, Seen
from wholefamily.web.networks.models import NetworkMember

SEED = "wholefamily-demo-familyview"
USERNAME = "family"
OTHERS = 8  # other families with an account
FEEDBACK = 48  # anonymous feedback over the demo's year and a half
PAGES = ["Your plan", "What has changed", "Your network", "Your next meeting"]
BETTER = [
    "It would help to have visits after school.",
    "Sometimes I waited a long time for a call back.",
    "Meetings could be shorter.",
    "I would like the plan in Polish for my mum.",
    "More help with money and bills.",
    "Please tell us sooner when a meeting moves.",
    "The school and the worker should talk more.",
    "",
    "",
    "",
]
PLAN = {
    Action.Part.FAMILY: [
        ("Walk the children to school every morning", -20),
        ("Go to the parents’ group on Tuesdays", 14),
        ("Write down what helps at bedtime", 35),
    ],
    Action.Part.WORKER: [("Visit every two weeks and help with the school meeting", 21)],
    Action.Part.AGENCY: [("Meet each half term to talk about attendance", 28)],
    Action.Part.NETWORK: [("Pick the children up from school on Thursdays", 7)],
}
AGENCY = "Southfield Primary School"


def _moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def lead_adult(family: Family) -> Member | None:
    """The family's lead adult, or its eldest adult."""
    members = family.member_set.filter(current=True).select_related("person")
    for role in ("LEAD_ADULT", "ADULT"):
        found = members.filter(role=role).order_by("person__dob", "person__person_id").first()
        if found is not None:
            return found
    return None


def _name(m: Member) -> str:
    return str(m.person).strip() or "Parent"


def _fill_plan(f: Family, kw: Any, adult: str, as_of: date) -> None:
    """At least one action in each part, and two of the family's still to do."""
    network = NetworkMember.objects.filter(family=f).order_by("id").first()
    owners = {
        Action.Part.FAMILY: adult,
        Action.Part.WORKER: kw.get_full_name() or kw.username,
        Action.Part.AGENCY: AGENCY,
        Action.Part.NETWORK: getattr(network, "name", "") or "Gran",
    }
    for part, lines in PLAN.items():
        have = f.actions.filter(part=part)
        open_now = have.filter(state__in=[Action.State.NOT_STARTED, Action.State.IN_PROGRESS])
        count = open_now.count() if part == Action.Part.FAMILY else have.count()
        target = 2 if part == Action.Part.FAMILY else 1
        for text, days in lines[: max(0, target - count)]:
            Action.objects.create(
                family=f,
                part=part,
                text=text,
                owner=owners[part][:100],
                due=as_of + timedelta(days=days),
                created_by=kw,
            )
    if not f.reviews.exists():
        Review.objects.create(
            family=f,
            on=as_of - timedelta(days=28),
            by=kw,
            summary="The family and the school agreed the plan; mornings are going better.",
            next_due=as_of + timedelta(days=56),
        )
    if f.review_due is None:
        latest = f.reviews.order_by("-on", "-id").first()
        if latest is not None:
            Family.objects.filter(pk=f.pk).update(review_due=latest.next_due)


def _pick(kw: Any) -> tuple[Family, Member] | None:
    """The keyworker's active family with the most plan, then the first by id, that has
    an adult."""
    led = (
        Family.objects.filter(key_worker=kw, status=Status.ACTIVE)
        .annotate(n=Count("actions"))
        .order_by("-n", "family_id")
    )
    for f in led[:200]:
        adult = lead_adult(f)
        if adult is not None:
            return f, adult
    return None


def _seen(account: FamilyAccount, rng: random.Random, first: date, last: date, n: int) -> None:
    days = max(0, (last - first).days)
    Seen.objects.bulk_create(
        [
            Seen(
                account=account,
                at=_moment(first + timedelta(days=rng.randint(0, days)), rng.randint(8, 20)),
                page=rng.choice(PAGES),
                path="/my-family",
            )
            for _ in range(n)
        ]
    )


def demo_family_view(as_of: date) -> dict[str, Any]:
    """The demo's family account and the others; returns what was made, with the
    account's row for the accounts table (`row`: user name, who, password)."""
    users = get_user_model().objects
    kw = users.filter(username="keyworker").first()
    if kw is None:
        return {"why": "no demo key worker (make the demo accounts first)"}
    password = secrets.token_urlsafe(12)
    existing = FamilyAccount.objects.filter(user__username=USERNAME).select_related("user").first()
    if existing is not None:
        existing.user.set_password(password)
        existing.user.save(update_fields=["password"])
        return {"row": _row(existing, password), "again": True}
    picked = _pick(kw)
    if picked is None:
        return {"why": "the key worker leads no active family with an adult"}
    f, adult = picked
    rng = random.Random(SEED)
    made: dict[str, Any] = {}
    with transaction.atomic():
        _fill_plan(f, kw, _name(adult), as_of)
        invited_at = _moment(as_of - timedelta(days=45))
        _, token = services.invite(
            f, kw, _name(adult), Relation.PARENT, person=adult.person, now=invited_at
        )
        account = services.accept(token, USERNAME, password, now=invited_at + timedelta(days=1))
        _seen(account, rng, as_of - timedelta(days=44), as_of, 9)
        done = (
            f.actions.filter(part=Action.Part.FAMILY)
            .filter(state__in=[Action.State.NOT_STARTED, Action.State.IN_PROGRESS])
            .order_by("due", "id")
            .first()
        )
        if done is not None:
            services.mark_done(account, done)
        services.propose(
            account, "Ask Gran to help with tea on Wednesdays", clock.today() + timedelta(days=21)
        )
        services.before_review(
            account,
            "Mornings are calmer. The children get to school on time most days.",
            "Bedtime is still hard. I need help with the letters about money.",
        )
        services.give_feedback(account, Feedback.Helpful.VERY, "Visits after school would help.")
        made["others"] = _others(f, kw, rng, as_of)
        made["feedback"] = _feedback(rng, as_of)
    made["family_id"] = f.family_id
    made["row"] = _row(account, password)
    return made


def _row(account: FamilyAccount, password: str) -> tuple[str, str, str]:
    relation = account.get_relation_display().lower()
    who = f"Family member (Family {account.family.family_id}, {relation})"
    return (account.user.username, who, password)


def _others(mine: Family, kw: Any, rng: random.Random, as_of: date) -> int:
    """Accounts for a few other active families, spread over the districts."""
    first = as_of - timedelta(days=540)
    by_district: dict[str, list[Family]] = {}
    for f in Family.objects.filter(status=Status.ACTIVE).exclude(pk=mine.pk).order_by("family_id"):
        if len(by_district.setdefault(f.district, [])) < OTHERS:
            by_district[f.district].append(f)
    lists = list(by_district.values())  # round the districts, one family from each
    pool = [fs[i] for i in range(OTHERS) for fs in lists if i < len(fs)]
    n = 0
    for f in pool:
        if n >= OTHERS:
            break
        adult = lead_adult(f)
        if adult is None or f.family_accounts.exists():
            continue
        at = _moment(first + timedelta(days=rng.randint(0, 480)))
        relation = Relation.PARENT if rng.random() < 0.7 else Relation.CARER
        by = f.key_worker or kw
        _, token = services.invite(f, by, _name(adult), relation, person=adult.person, now=at)
        account = services.accept(
            token, f"family-{f.family_id.lower()}", secrets.token_urlsafe(16), now=at
        )
        _seen(account, rng, at.date(), as_of, rng.randint(1, 12))
        if n == 0:  # stopped since: counted until the day it was stopped
            services.withdraw(account, by)
            FamilyAccount.objects.filter(pk=account.pk).update(
                withdrawn_at=_moment(min(at.date() + timedelta(days=120), as_of))
            )
        n += 1
    return n


def _feedback(rng: random.Random, as_of: date) -> int:
    """Anonymous feedback on days over 2025-26 and 2026-27 to the as-of date, in the
    districts of the families with an account."""
    districts = sorted(
        set(FamilyAccount.objects.values_list("family__district", flat=True)) - {""}
    ) or [""]
    first = date(as_of.year - 1 - (as_of.month < 4), 4, 1)
    days = (as_of - first).days
    Feedback.objects.bulk_create(
        [
            Feedback(
                district=rng.choice(districts),
                on=first + timedelta(days=rng.randint(0, days)),
                helpful=rng.choices([4, 3, 2, 1], weights=[5, 4, 2, 1])[0],
                better=rng.choice(BETTER),
            )
            for _ in range(FEEDBACK)
        ]
    )
    return FEEDBACK
