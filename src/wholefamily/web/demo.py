"""Demo accounts: one user per role, teams per district, passwords made up once and printed
(`partner` is the partner professional who nominates and may lead a family's Family
Help; `cpp` the child protection practitioner).

Used by `wholefamily demo` and `wholefamily web accounts --demo`. The
passwords are random and shown once; they are stored only as Django's hashes.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from wholefamily.web.accounts.models import Profile, Role, Team
from wholefamily.web.families.models import Family

DEMO_USERS = [
    ("keyworker", "Kim", "Walker", Role.KEY_WORKER),
    ("keyworker2", "Sam", "Okafor", Role.KEY_WORKER),
    ("manager", "Morgan", "Hale", Role.MANAGER),
    ("analyst", "Alex", "Rahman", Role.ANALYST),
    ("partner", "Pat", "Singh", Role.PARTNER),
    ("cpp", "Chris", "Adeyemi", Role.CP_PRACTITIONER),
    ("dpo", "Dana", "Price", Role.DPO),
    ("head", "Hilary", "Grant", Role.HEAD_OF_SERVICE),
]
# Where the demo's users outside the council's family support teams work: the partner
# (who nominates families and may lead a family's Family Help) and the child protection
# practitioner of the multi-agency child protection team.
AGENCY = {
    Role.PARTNER: "Southfield Primary School",
    Role.CP_PRACTITIONER: "Multi-agency child protection team",
}


def make_user(
    username: str,
    role: str,
    team: Team | None = None,
    first: str = "",
    last: str = "",
    password: str | None = None,
    agency: str = "",
) -> tuple[object, str]:
    """A user with a profile; returns (user, password). An existing user gets a new password."""
    password = password or secrets.token_urlsafe(12)
    users = get_user_model()
    user, _ = users.objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.set_password(password)
    user.save()
    Profile.objects.update_or_create(
        user=user, defaults={"role": role, "team": team, "agency": agency}
    )
    return user, password


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role, password) of each demo user; teams for the busiest district."""
    with transaction.atomic():
        district = (
            Family.objects.exclude(district="").values_list("district", flat=True).first()
            or "County"
        )
        team, _ = Team.objects.get_or_create(
            name=f"{district} family support", defaults={"district": district}
        )
        made = []
        for n, (username, first, last, role) in enumerate(DEMO_USERS):
            in_team = role in (Role.KEY_WORKER, Role.MANAGER)
            agency = AGENCY.get(role, "")
            user, password = make_user(
                username, role, team if in_team else None, first, last, agency=agency
            )
            # How the families they lead reach them (the family's own view shows it):
            # a reserved example domain and Ofcom's numbers set aside for drama.
            user.email = f"{first}.{last}@example.org".lower()  # type: ignore[attr-defined]
            user.save()  # type: ignore[attr-defined]
            Profile.objects.filter(user=user).update(phone=f"01632 960 {101 + n}")
            made.append((username, Role(role).label, password))
    return made


def demo_casework(start: date, claim_at: date) -> dict[str, int]:
    """A year of made-up case work on the demo county, so every page has something to
    show: most eligible families allocated to the demo team with consent given at
    `start` (baselines frozen then), some refusing, the rest awaiting allocation;
    movement measured at `claim_at`, the quarter's claim prepared and half of it signed
    off; funding settings and targets for the years. Needs the demo accounts."""
    import random

    from wholefamily.web.casework.models import Event
    from wholefamily.web.claims.funding import year_of
    from wholefamily.web.claims.models import Funding, Target
    from wholefamily.web.claims.services import prepare, sign
    from wholefamily.web.families.models import Intensity, Status
    from wholefamily.web.progress.models import Progress
    from wholefamily.web.progress.services import ProgressError, freeze

    users = get_user_model().objects
    kw, kw2 = users.get(username="keyworker"), users.get(username="keyworker2")
    manager = users.get(username="manager")
    team = manager.profile.team
    rng = random.Random(7)  # the same demo every time
    made = {"allocated": 0, "refused": 0, "baselines": 0, "measured": 0, "claimed": 0}
    families = list(Family.objects.filter(eligible=True).order_by("family_id"))
    with transaction.atomic():
        for f in families:
            u = rng.random()
            if u < 0.15:
                continue  # awaiting allocation
            f.team, f.key_worker = team, kw if u < 0.6 else kw2
            if u < 0.25:
                f.status, f.consent = Status.CONSENT_REFUSED, "refused"
                detail = "refused: not ready to work with us"
                made["refused"] += 1
            else:
                f.status, f.consent, f.started_on = Status.ACTIVE, "given", start
                f.intensity = rng.choice([Intensity.HIGH, Intensity.MEDIUM, Intensity.STANDARD])
                detail = "given"
                made["allocated"] += 1
            f.save(
                update_fields=["team", "key_worker", "status", "consent", "started_on", "intensity"]
            )
            Event.objects.create(
                family=f, kind=Event.Kind.CONSENT, on=start, by=f.key_worker, detail=detail
            )
    for f in Family.objects.filter(status=Status.ACTIVE, started_on=start):
        try:
            freeze(f, start, manager, "work started (consent given)")
            made["baselines"] += 1
        except ProgressError:
            break  # no linked warehouse: the case work stands without baselines
    if made["baselines"]:
        period = f"{claim_at.year}Q{(claim_at.month - 1) // 3 + 1}"
        _, lines, _ = prepare(period, "tf-2015")  # measures every family at its end
        made["measured"] = Progress.objects.count()
        for line in lines[: (len(lines) + 1) // 2]:
            sign(line, manager)
            made["claimed"] += 1
    with transaction.atomic():
        for year in sorted({year_of(start), year_of(claim_at)}):
            Funding.objects.get_or_create(
                framework="tf-2015",
                year=year,
                defaults={"attachment": 1000, "results": 800, "upfront_share": "0.4"},
            )
            Target.objects.get_or_create(
                framework="tf-2015",
                year=year,
                district="",
                defaults={"work_with": max(1, len(families)), "turn_around": len(families) // 2},
            )
    return made
