"""What the pages show of services and referrals, in words."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from wholefamily.web.families.labels import needs_label
from wholefamily.web.families.models import Family
from wholefamily.web.places import services as S
from wholefamily.web.places.models import Referral, Service, State

TAG = {
    State.WAITING: "govuk-tag--yellow",
    State.OFFERED: "govuk-tag--blue",
    State.STARTED: "govuk-tag--green",
    State.ENDED: "govuk-tag--grey",
}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def service_row(s: Service, year: str) -> dict[str, Any]:
    pos = S.position(s, year)
    return {
        "s": s,
        "pos": pos,
        "needs": needs_label(s.need_list),
        "category": s.get_category_display(),
        "kind": s.get_kind_display(),
        "intensity": s.get_intensity_display(),
    }


def state_words(r: Referral) -> str:
    """What became of the referral, with its days: "On the waiting list (2nd), since
    3 May 2026"."""
    if r.state == State.WAITING:
        n = S.place_in_queue(r)
        return f"On the waiting list ({ordinal(n or 0)}), since {S.day(r.referred_on)}"
    if r.state == State.OFFERED and r.offered_on:
        return f"Place offered on {S.day(r.offered_on)}"
    if r.state == State.STARTED and r.started_on:
        return f"In the service since {S.day(r.started_on)}"
    ended = S.day(r.ended_on) if r.ended_on else ""
    return f"Ended on {ended}: {r.end_reason}"


def referral_row(r: Referral) -> dict[str, Any]:
    return {
        "r": r,
        "tag": TAG[State(r.state)],
        "state": r.get_state_display(),
        "words": state_words(r),
        "referred": S.day(r.referred_on),
    }


def family_referrals(family: Family) -> dict[int, list[dict[str, Any]]]:
    """The family's referrals by the action of its plan they were made from."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in (
        Referral.objects.filter(family=family)
        .select_related("service")
        .order_by("referred_on", "id")
    ):
        out[r.action_id].append(referral_row(r))
    return dict(out)
