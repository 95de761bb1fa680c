"""The Families First section of the programme figures and the committee report: the
pathfinder's measures (`familyhelp.measures`) as figures, in words. Definitions and
counting rules: docs/measures.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from wholefamily.web.familyhelp.measures import Measures, OnDay, Share, measures
from wholefamily.web.reporting.metrics import Figure
from wholefamily.web.reporting.periods import Period

SECTION = "Families First"
LEVEL_WORDS = {
    "targeted": "targeted help",
    "cin": "child in need",
    "cp": "child protection",
    "cla": "looked after",
}


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _people(o: OnDay) -> str:
    if o.children is None:
        return "no child population is known for that day (sync an identification run)"
    return f"{o.children:,} children under 18 that day"


def _share_row(label: str, s: Share) -> list[Any]:
    return [label, s.part, s.whole, s.percent]


def figures(period: Period, district: str = "") -> list[Figure]:
    """The section's figures, then the "Family networks" section's (`networks`)."""
    from wholefamily.web.reporting import networks

    m = measures(period, district)
    return [_rates(m), _trend(m), _timeliness(m), _changes(m), *networks.figures(period, district)]


def _rates(m: Measures) -> Figure:
    end = m.at_end
    return Figure(
        "ff_rates",
        f"Children in need, on a child protection plan and looked after on {_day(end.on)}",
        ["children", "number", "per 10,000 children"],
        [
            ["Children in need", end.in_need, end.per_10k(end.in_need)],
            ["On a child protection plan", end.on_plan, end.per_10k(end.on_plan)],
            ["Looked after", end.looked_after, end.per_10k(end.looked_after)],
        ],
        chart=(0, 2),
        note=f"Per 10,000 of the {_people(end)}. Children in need include those on a "
        "plan and those looked after.",
        section=SECTION,
    )


def _trend(m: Measures) -> Figure:
    return Figure(
        "ff_trend",
        "Children in need per 10,000 children, at the end of each quarter",
        ["day", "children in need", "on a plan", "looked after", "child population"],
        [
            [
                _day(o.on),
                o.per_10k(o.in_need),
                o.per_10k(o.on_plan),
                o.per_10k(o.looked_after),
                o.children,
            ]
            for o in m.trend
        ],
        chart=(0, 1),
        note="Each rate per 10,000 children under 18 that day; the child population is "
        "the linked data's people (the last sync's identification run).",
        section=SECTION,
    )


def _timeliness(m: Measures) -> Figure:
    return Figure(
        "ff_timeliness",
        "Re-referrals, repeat plans and timeliness",
        ["measure", "counted", "out of", "share %"],
        [
            _share_row("Referrals within 12 months of a previous one", m.re_referrals),
            _share_row("Child protection plans that are a repeat", m.repeat_plans),
            _share_row("Assessments within 45 working days", m.assessments_in_time),
            _share_row("Initial conferences within 15 working days", m.icpcs_in_time),
            _share_row("Changes of level with the same lead practitioner", m.same_lead),
        ],
        chart=(0, 3),
        unit="%",
        note="Referrals and assessments are counted for each child; working days leave out "
        "weekends and England's bank holidays.",
        section=SECTION,
    )


def _changes(m: Measures) -> Figure:
    rows: list[list[Any]] = [
        ["Stepped up", m.step_ups, sum(c.same_lead for c in m.changes if c.up)],
        ["Stepped down", m.step_downs, sum(c.same_lead for c in m.changes if not c.up)],
    ]
    rows += [
        [
            f"From {LEVEL_WORDS[c.before]} to {LEVEL_WORDS[c.after]}",
            c.children,
            c.same_lead,
        ]
        for c in m.changes
    ]
    return Figure(
        "ff_steps",
        "Step-ups and step-downs between levels of help",
        ["change of level", "children", "with the same lead practitioner"],
        rows,
        chart=(0, 1),
        note="Levels in order: targeted help, child in need, child protection, looked after.",
        section=SECTION,
    )
