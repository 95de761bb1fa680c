"""The "Families’ own view" figures, on hand-built rows with answers worked out by hand:
feedback by quarter and district (the period's first and last day in, the days either
side out), what could be better (anonymous; the report prints the first ten), family
accounts at the period's end (withdrawn ones not counted after their withdrawal, a
family with two accounts once, days in the council's time zone) and their use; on the
figures page, in its CSV and in the committee report (HTML and PDF)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from webkit import client_for, family, user
from wholefamily.web.accounts.models import Role
from wholefamily.web.families.models import Family
from wholefamily.web.familyview.models import FamilyAccount, Feedback, Relation, Seen
from wholefamily.web.reporting.family_view import quarter_words, quarters
from wholefamily.web.reporting.metrics import Metrics, metrics
from wholefamily.web.reporting.periods import parse_period

pytestmark = pytest.mark.django_db
Q2 = parse_period("2025Q2")  # 1 April to 30 June 2025
D = date
LONDON = ZoneInfo("Europe/London")


def _at(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def _account(f: Family, name: str, made: datetime, withdrawn: datetime | None = None) -> Any:
    u = get_user_model().objects.create(username=name.lower())
    return FamilyAccount.objects.create(
        user=u,
        family=f,
        name=name,
        relation=Relation.PARENT,
        created_at=made,
        withdrawn_at=withdrawn,
    )


def _seen(account: Any, at: datetime) -> None:
    Seen.objects.create(account=account, at=at, page="Your plan", path="/my-family/")


def _feedback(district: str, on: date, helpful: int, better: str = "") -> None:
    Feedback.objects.create(district=district, on=on, helpful=helpful, better=better)


@pytest.fixture
def county() -> dict[str, Any]:
    """Casterbridge: A1 (two accounts) and A2 (one, withdrawn on 30 June); Budmouth: B1
    (one open, one withdrawn in May, one made just after midnight on 1 July)."""
    a1, a2 = family("A1"), family("A2")
    b1 = family("B1", district="Budmouth")
    acc1 = _account(a1, "Ann", _at(2025, 3, 1))
    acc2 = _account(a1, "Abe", _at(2025, 6, 30, 23, 30))  # still 30 June in London
    acc3 = _account(a2, "Ada", _at(2025, 4, 10), withdrawn=_at(2025, 6, 30, 10))
    acc6 = _account(b1, "Bea", _at(2025, 1, 5))
    _account(b1, "Bob", _at(2025, 2, 1), withdrawn=_at(2025, 5, 1))
    _account(b1, "Bel", _at(2025, 7, 1, 0, 30))  # 30 June 23:30 in UTC: July in London
    _seen(acc1, _at(2025, 4, 1, 9))
    _seen(acc1, _at(2025, 5, 1))
    _seen(acc2, _at(2025, 6, 30, 23, 45))
    _seen(acc3, _at(2025, 5, 5))  # used, then withdrawn: it was used in the period
    _seen(acc6, _at(2025, 7, 1, 0, 10))  # the day after
    _seen(acc6, _at(2025, 3, 31, 23, 50))  # the day before
    V, Q, L, N = (
        h.value
        for h in (
            Feedback.Helpful.VERY,
            Feedback.Helpful.QUITE,
            Feedback.Helpful.A_LITTLE,
            Feedback.Helpful.NOT,
        )
    )
    _feedback("Casterbridge", D(2025, 3, 31), L, "Before the start")
    _feedback("Casterbridge", D(2025, 4, 1), V, "More evening visits")
    _feedback("Casterbridge", D(2025, 5, 10), Q)
    _feedback("Casterbridge", D(2025, 6, 30), N, "Shorter meetings")
    _feedback("Casterbridge", D(2025, 7, 1), V, "After the end")
    _feedback("Budmouth", D(2025, 4, 20), V)
    _feedback("Budmouth", D(2025, 6, 15), L, "A worker who speaks Polish")
    return {"a1": a1, "b1": b1}


def _rows(m: Metrics, key: str) -> dict[str, list[Any]]:
    return {str(r[0]): list(r[1:]) for r in m.figure(key).rows}


def test_quarters_of_a_period() -> None:
    assert [quarter_words(a, b) for a, b in quarters(D(2025, 4, 1), D(2026, 3, 31))] == [
        "April to June 2025",
        "July to September 2025",
        "October to December 2025",
        "January to March 2026",
    ]
    assert [quarter_words(a, b) for a, b in quarters(D(2025, 3, 15), D(2025, 7, 10))] == [
        "15 March 2025 to 31 March 2025",
        "April to June 2025",
        "1 July 2025 to 10 July 2025",
    ]


def test_feedback_for_the_county(county: dict[str, Any]) -> None:
    m = metrics(Q2)
    # gave, very, quite, a little, not, very or quite %
    assert _rows(m, "fv_feedback") == {
        "April to June 2025": [5, 2, 1, 1, 1, 60.0],
        "The whole period": [5, 2, 1, 1, 1, 60.0],
    }
    assert _rows(m, "fv_feedback_districts") == {
        "Budmouth": [2, 1, 0, 1, 0, 50.0],
        "Casterbridge": [3, 1, 1, 0, 1, 66.7],
    }
    # In the order given, with the quarter and district only.
    assert m.figure("fv_better").rows == [
        ["More evening visits", "April to June 2025", "Casterbridge"],
        ["A worker who speaks Polish", "April to June 2025", "Budmouth"],
        ["Shorter meetings", "April to June 2025", "Casterbridge"],
    ]


def test_feedback_by_quarter_edges() -> None:
    for on, level in ((D(2025, 3, 14), 1), (D(2025, 3, 15), 2), (D(2025, 7, 10), 4)):
        _feedback("Casterbridge", on, level)
    _feedback("Casterbridge", D(2025, 7, 11), 3)
    m = metrics(parse_period("2025-03-15..2025-07-10"))
    assert _rows(m, "fv_feedback") == {
        "15 March 2025 to 31 March 2025": [1, 0, 0, 1, 0, 0.0],
        "April to June 2025": [0, 0, 0, 0, 0, None],
        "1 July 2025 to 10 July 2025": [1, 1, 0, 0, 0, 100.0],
        "The whole period": [2, 1, 0, 1, 0, 50.0],
    }


def test_one_district(county: dict[str, Any]) -> None:
    m = metrics(Q2, "Budmouth")
    assert _rows(m, "fv_feedback")["The whole period"] == [2, 1, 0, 1, 0, 50.0]
    assert "fv_feedback_districts" not in [f.key for f in m.figures]
    assert m.figure("fv_better").rows == [
        ["A worker who speaks Polish", "April to June 2025", "Budmouth"]
    ]
    assert list(_rows(m, "fv_accounts").values()) == [[1], [1], [0], [0]]
    cast = metrics(Q2, "Casterbridge")
    assert _rows(cast, "fv_feedback")["The whole period"] == [3, 1, 1, 0, 1, 66.7]
    # A1 once with its two accounts; A2 withdrawn on the last day; both used it.
    assert list(_rows(cast, "fv_accounts").values()) == [[1], [2], [2], [3]]


def test_accounts_and_their_use(county: dict[str, Any]) -> None:
    got = _rows(metrics(Q2), "fv_accounts")
    assert got == {
        "Families with an account on 30 June 2025": [2],  # A1 (two accounts) and B1
        "Family members with an account on 30 June 2025": [3],  # Ann, Abe, Bea
        "Families who used their page in the period": [2],  # A1 and A2
        "Family members who used their page in the period": [3],  # Ann, Abe, Ada
    }
    # Before its withdrawal, A2's account counts; Abe's is not made yet; Bob's is gone.
    may = _rows(metrics(parse_period("2025-04-01..2025-05-31")), "fv_accounts")
    assert list(may.values()) == [[3], [3], [2], [2]]  # Ann, Ada, Bea; used: Ann, Ada
    # Bob's account counted until its withdrawal on 1 May.
    april = _rows(metrics(parse_period("2025-04-01..2025-04-30")), "fv_accounts")
    assert list(april.values())[:2] == [[3], [4]]  # Ann, Ada, Bea, Bob
    # Bel's account, made at 00:30 on 1 July (London), counts in July.
    july = _rows(metrics(parse_period("2025-07-01..2025-07-01")), "fv_accounts")
    assert list(july.values()) == [[2], [4], [1], [1]]  # A1 (Ann, Abe) and B1 (Bea, Bel)


def test_nothing_yet() -> None:
    m = metrics(Q2)
    assert _rows(m, "fv_feedback")["The whole period"] == [0, 0, 0, 0, 0, None]
    assert m.figure("fv_feedback_districts").rows == []
    assert m.figure("fv_better").rows == []
    assert list(_rows(m, "fv_accounts").values()) == [[0], [0], [0], [0]]


def test_on_the_page_in_the_csv_and_anonymous(county: dict[str, Any]) -> None:
    c = client_for(user("analyst", Role.ANALYST))
    page = c.get(reverse("reports"), {"period": "2025Q2"}).content.decode()
    assert re.search(r'<h2[^>]*id="section-families-own-view"', page)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "What family members said about the help they get" in text
    assert "A worker who speaks Polish April to June 2025 Budmouth" in text
    assert "After the end" not in text and "Before the start" not in text
    for who in ("Ann", "Abe", "Ada", "Bea", "A1", "B1"):
        assert not re.search(rf"\b{who}\b", text), who
    got = c.get(reverse("report_csv", args=["fv_feedback"]), {"period": "2025Q2"})
    rows = got.content.decode().splitlines()
    assert rows[0] == (
        "quarter,gave feedback,very helpful,quite helpful,a little helpful,not helpful,"
        "very or quite helpful %"
    )
    assert rows[1] == "April to June 2025,5,2,1,1,1,60.0"
    got = c.get(reverse("report_csv", args=["fv_better"]), {"period": "2025Q2"})
    assert (
        got.content.decode().splitlines()[1]
        == "More evening visits,April to June 2025,Casterbridge"
    )
    got = c.get(
        reverse("report_csv", args=["fv_accounts"]), {"period": "2025Q2", "district": "Budmouth"}
    )
    assert got.content.decode().splitlines()[1] == "Families with an account on 30 June 2025,1"


def test_in_the_committee_report(county: dict[str, Any], tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    from wholefamily.web.reporting.report import build, write

    for n in range(12):  # 15 texts in all: the report prints the first ten
        _feedback("Budmouth", D(2025, 5, 1 + n), 3, f"Idea number {n + 1}")
    html, m = build(Q2)
    assert '<h2 class="pagebreak section">Families’ own view</h2>' in html
    assert "<h3>What families said could be better</h3>" in html
    assert len(m.figure("fv_better").rows) == 15  # the page has them all
    assert "More evening visits" in html and "Idea number 9" in html  # the first ten
    assert "Idea number 10" not in html and "Shorter meetings" not in html
    assert "The first 10 of 15 are printed here; the 5 more are" in html
    r = write(Q2, tmp_path / "report.pdf")
    assert r.pdf is not None
    pdf = pdfium.PdfDocument(str(r.pdf))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    assert "Feedback from families, by quarter" in text
    assert "Families with an account on 30 June 2025" in text
