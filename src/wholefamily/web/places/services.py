"""What is done with services, their places and referrals, each checked whole before it
writes: every function raises `Refused` (a field, when one is to blame, and one plain
sentence) before anything is saved; the pages show it beside the field.

Places are counted with the service's row locked: every referral, offer and freed place
first raises the service's `version` in a conditional UPDATE inside the transaction
(the lock lasts to its end, on SQLite and PostgreSQL alike), so two referrals at once
cannot both take the last place, and a freed place is offered once.

- `refer`: the family is referred from an open action of its plan to an active service
  that meets one of its needs, and has no other open referral to it. With a place free
  in the financial year of the day referred (places held now below the places set for
  that year) a place is offered that day; otherwise it joins the waiting list.
- `end`: a referral ends (a reason in words); a place it held is freed, and offered to
  the first family waiting (`offer_next`), on the day it was freed.
- `set_places`: the places of a year; more places offer them to the families waiting.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from wholefamily.frameworks.files import FrameworkError, check, shipped
from wholefamily.web.casework.models import Action
from wholefamily.web.families.labels import need_label, needs_label
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.payments.money import parse_year, year_of, year_span
from wholefamily.web.places import access
from wholefamily.web.places.models import (
    HOLDING,
    OPEN,
    Category,
    Intensity,
    Kind,
    Places,
    Referral,
    Service,
    State,
)

MOST_PLACES = 100_000


def day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


# --- Needs ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def need_codes() -> tuple[str, ...]:
    """Every need code of the frameworks that ship with wholefamily."""
    codes: set[str] = set()
    for path in shipped().values():
        try:
            codes |= set(check(path).data.get("needs", {}))
        except (FrameworkError, OSError, ValueError):
            continue
    return tuple(sorted(codes))


def need_choices() -> list[tuple[str, str]]:
    """(code, words) of every need, in the order of their words."""
    return sorted(((c, need_label(c)) for c in need_codes()), key=lambda x: x[1])


def family_needs(family: Family) -> set[str]:
    """The family's needs: those the data found (still current) and those found during
    the work."""
    from wholefamily.web.progress.models import FoundNeed

    needs = set(family.need_list)
    needs |= set(family.need_set.filter(current=True).values_list("need", flat=True))
    needs |= set(FoundNeed.objects.filter(family=family).values_list("need", flat=True))
    return needs


# --- The directory ----------------------------------------------------------------------


def save_service(
    by: Any,
    name: str,
    category: str,
    kind: str,
    provider: str,
    needs: Iterable[str],
    intensity: str,
    description: str = "",
    active: bool = True,
    service: Service | None = None,
) -> Service:
    """A service added (`service` None) or changed."""
    if not access.may_maintain(by):
        raise Refused("Only team managers and programme analysts keep the directory of services")
    name, provider = name.strip(), provider.strip()
    if not name:
        raise Refused("Enter the service’s name", "name")
    if Service.objects.filter(name__iexact=name).exclude(pk=getattr(service, "pk", None)).exists():
        raise Refused(f"There is already a service called {name}", "name")
    if category not in Category.values:
        raise Refused("Choose what kind of support it is", "category")
    if kind not in Kind.values:
        raise Refused("Choose whether it is internal or commissioned", "kind")
    if not provider:
        raise Refused("Enter who provides it", "provider")
    chosen = sorted(set(needs))
    if not chosen:
        raise Refused("Choose at least one need the service meets", "needs")
    unknown = [n for n in chosen if n not in need_codes()]
    if unknown:
        raise Refused("Choose the needs from the list", "needs")
    if intensity not in Intensity.values:
        raise Refused("Choose how intensive it is", "intensity")
    values = {
        "name": name,
        "category": category,
        "kind": kind,
        "provider": provider,
        "needs": ";".join(chosen),
        "intensity": intensity,
        "description": description.strip(),
        "active": active,
    }
    if service is None:
        return Service.objects.create(by=by, **values)
    Service.objects.filter(pk=service.pk).update(version=F("version") + 1, **values)
    return Service.objects.get(pk=service.pk)


def _lock(service: Service) -> Service:
    """The service's row, locked until the transaction ends; as it now is."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("places must be counted inside transaction.atomic()")
    Service.objects.filter(pk=service.pk).update(version=F("version") + 1)
    return Service.objects.get(pk=service.pk)


def places_for(service: Service, year: str) -> int:
    row = Places.objects.filter(service=service, year=year).first()
    return row.places if row else 0


def holding(service: Service) -> int:
    """Places held now: referrals offered a place or in the service."""
    return Referral.objects.filter(service=service, state__in=HOLDING).count()


def waiting_list(service: Service) -> list[Referral]:
    """The families waiting, first referred first."""
    return list(
        Referral.objects.filter(service=service, state=State.WAITING)
        .select_related("family", "action")
        .order_by("referred_on", "at", "id")
    )


def set_places(
    service: Service, year: str, places: int, by: Any, today: date | None = None
) -> list[Referral]:
    """The places of `service` for `year`; returns the referrals offered a place by it
    (more places for the year of `today` offer them to the families waiting)."""
    if not access.may_maintain(by):
        raise Refused("Only team managers and programme analysts set a service’s places")
    try:
        year = parse_year(year)
    except ValueError as exc:
        raise Refused(str(exc).capitalize(), "year") from None
    if places < 0:
        raise Refused("The number of places must be 0 or more", "places")
    if places > MOST_PLACES:
        raise Refused(f"The number of places must be {MOST_PLACES:,} or fewer", "places")
    with transaction.atomic():
        now = _lock(service)
        Places.objects.update_or_create(
            service=now, year=year, defaults={"places": places, "by": by}
        )
        if today is not None and year == year_of(today):
            return offer_next(now, today)
        return []


# --- Referrals --------------------------------------------------------------------------


def refer(
    family: Family, action: Action, service: Service, on: date, by: Any, today: date
) -> Referral:
    """The family referred from `action` to `service` on the day `on`: offered a place
    that day when one is free, else on the waiting list."""
    if not access.may_refer(by, family):
        raise Refused(
            "Only the family’s key worker, a team manager or the lead practitioner of its "
            "Family Help refers it to a service"
        )
    if action.family_id != family.pk:
        raise Refused("That action is not on this family’s plan", "action")
    if not action.open:
        raise Refused(
            f"The action is {action.get_state_display().lower()}: refer from an open action",
            "action",
        )
    if on > today:
        raise Refused(f"The day referred must be today, {day(today)}, or before", "on")
    with transaction.atomic():
        now = _lock(service)
        if not now.active:
            raise Refused(f"{now} does not take referrals now", "service")
        needs = family_needs(family)
        if not needs & set(now.need_list):
            have = needs_label(sorted(needs), family.framework) or "none recorded"
            raise Refused(
                f"{now} meets {needs_label(now.need_list)}: none of them is a need of this "
                f"family ({have})",
                "service",
            )
        already = Referral.objects.filter(family=family, service=now, state__in=OPEN).first()
        if already is not None:
            raise Refused(
                f"The family is already referred to {now} (since {day(already.referred_on)}, "
                f"{already.get_state_display().lower()})",
                "service",
            )
        free = places_for(now, year_of(on)) - holding(now)
        placed = free > 0
        try:
            with transaction.atomic():
                return Referral.objects.create(
                    family=family,
                    action=action,
                    service=now,
                    referred_on=on,
                    state=State.OFFERED if placed else State.WAITING,
                    offered_on=on if placed else None,
                    by=by,
                )
        except IntegrityError:  # the same referral saved a moment before
            raise Refused(f"The family is already referred to {now}", "service") from None


def offer_next(service: Service, on: date) -> list[Referral]:
    """Places free in the year of `on` offered to the families waiting, first referred
    first, on the day `on` (or the day one was referred, when later). The caller holds
    the service's lock (`_lock`)."""
    free = places_for(service, year_of(on)) - holding(service)
    offered = []
    for r in waiting_list(service)[: max(free, 0)]:
        when = max(on, r.referred_on)
        Referral.objects.filter(pk=r.pk, state=State.WAITING).update(
            state=State.OFFERED, offered_on=when
        )
        r.state, r.offered_on = State.OFFERED, when
        offered.append(r)
    return offered


def _check_day(r: Referral, on: date, today: date, after: date, what: str) -> None:
    if on > today:
        raise Refused(f"The day must be today, {day(today)}, or before", "on")
    if on < after:
        raise Refused(f"The day must be on or after the day {what}, {day(after)}", "on")


def start(r: Referral, on: date, by: Any, today: date) -> Referral:
    """The family took up the place offered: in the service from `on`."""
    if not access.may_update(by, r.family):
        raise Refused("You may not change this referral")
    with transaction.atomic():
        _lock(r.service)
        now = Referral.objects.get(pk=r.pk)
        if now.state != State.OFFERED:
            raise Refused(
                f"Only a place offered can be taken up: this referral is "
                f"{now.get_state_display().lower()}"
            )
        assert now.offered_on is not None
        _check_day(now, on, today, now.offered_on, "the place was offered")
        Referral.objects.filter(pk=now.pk).update(state=State.STARTED, started_on=on)
        return Referral.objects.get(pk=now.pk)


def end(
    r: Referral, on: date, reason: str, by: Any, today: date
) -> tuple[Referral, list[Referral]]:
    """The referral ends on `on` (finished, the place turned down, off the waiting
    list), with its reason; returns it and the referrals offered the place it freed."""
    if not access.may_update(by, r.family):
        raise Refused("You may not change this referral")
    if not reason.strip():
        raise Refused("Say why the referral ends", "reason")
    with transaction.atomic():
        service = _lock(r.service)
        now = Referral.objects.get(pk=r.pk)
        if not now.open:
            raise Refused(f"This referral ended on {day(now.ended_on or on)}")
        after = now.started_on or now.offered_on or now.referred_on
        _check_day(now, on, today, after, "before")
        held = now.holds_place
        Referral.objects.filter(pk=now.pk).update(
            state=State.ENDED, ended_on=on, end_reason=reason.strip()
        )
        offered = offer_next(service, on) if held else []
        return Referral.objects.get(pk=now.pk), offered


# --- Places used ------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    service: Service
    year: str
    bought: int
    held: int  # places held now
    waiting: int  # families waiting now
    given: int  # places offered in the year

    @property
    def free(self) -> int:
        return max(self.bought - self.held, 0)


def position(service: Service, year: str) -> Position:
    first, last = year_span(year)
    rows = Referral.objects.filter(service=service)
    return Position(
        service,
        year,
        places_for(service, year),
        rows.filter(state__in=HOLDING).count(),
        rows.filter(state=State.WAITING).count(),
        rows.filter(offered_on__gte=first, offered_on__lte=last).count(),
    )


def place_in_queue(r: Referral) -> int | None:
    """1 for the first family waiting; None for a referral not waiting."""
    if r.state != State.WAITING:
        return None
    ahead = Referral.objects.filter(service_id=r.service_id, state=State.WAITING).filter(
        Q(referred_on__lt=r.referred_on)
        | Q(referred_on=r.referred_on, at__lt=r.at)
        | Q(referred_on=r.referred_on, at=r.at, id__lt=r.id)
    )
    return ahead.count() + 1
