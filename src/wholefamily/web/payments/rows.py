"""What the pages show of packages, entries and budgets, in words."""

from __future__ import annotations

from typing import Any

from wholefamily.web.familyhelp.access import name_of
from wholefamily.web.payments import services as S
from wholefamily.web.payments.models import Frequency, Kind, LedgerEntry, Package, State
from wholefamily.web.payments.money import pounds

TAG = {State.PROPOSED: "govuk-tag--yellow", State.APPROVED: "govuk-tag--green",
       State.REFUSED: "govuk-tag--red"}  # fmt: skip


def how_often(p: Package) -> str:
    if p.frequency == Frequency.ONE_OFF:
        return f"One-off, paid on {S.day(p.starts_on)}"
    assert p.ends_on is not None
    n = len(S.schedule(p))
    return (
        f"{p.get_frequency_display()} from {S.day(p.starts_on)} to {S.day(p.ends_on)}: "
        f"{n} payment{'s' if n != 1 else ''} of {pounds(p.pence)}"
    )


def entry_words(e: LedgerEntry) -> str:
    if e.reverses_id is not None:
        return f"Reversal of {e.reverses.reference if e.reverses else ''}: {e.reason}"
    return "Commitment of the whole package" if e.kind == Kind.COMMITMENT else "Payment"


def package_row(p: Package, user: Any, may_decide: bool) -> dict[str, Any]:
    entries = list(p.entries.select_related("reverses").order_by("on", "id"))
    return {
        "p": p,
        "tag": TAG[State(p.state)],
        "state": p.get_state_display(),
        "how_often": how_often(p),
        "total": pounds(S.total(p)),
        "each": pounds(p.pence),
        "proposed_by": name_of(p.proposed_by),
        "decided_by": name_of(p.decided_by),
        "decided_on": S.decided_at_words(p.decided_at),
        "basis": S.meeting_words(p.meeting)
        if p.meeting
        else (
            f"No network, recorded on {S.day(p.no_network.on)}: {p.no_network.reason}"
            if p.no_network
            else ""
        ),
        "payments": [
            {"e": e, "words": entry_words(e), "amount": pounds(e.pence)}
            for e in entries
            if e.kind == Kind.PAYMENT
        ],
        "paid": pounds(sum(e.pence for e in entries if e.kind == Kind.PAYMENT)),
        "decide": may_decide and p.state == State.PROPOSED and p.proposed_by_id != user.pk,
    }


def budget_row(pos: S.Position) -> dict[str, Any]:
    return {
        "b": pos.budget,
        "group": pos.budget.get_group_display(),
        "budget": pounds(pos.budget.pence),
        "committed": pounds(pos.committed),
        "paid": pounds(pos.paid),
        "remaining": pounds(pos.remaining),
        "over": pos.remaining < 0,
    }
