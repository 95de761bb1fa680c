"""A family's page as a summary and its sections: who may see each, the plan's actions
edited with their history kept, notes with their kind and contact date, the notes of
assessments and central checks shown, and the chronology on screen, as CSV and as PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from webkit import client_for, date_fields, family, nominated_by, user, visible_text
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.casework.models import Action, ActionChange, AssessmentArea, Check, Note
from wholefamily.web.families.models import Status

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 16)
SECTIONS = [
    "family",
    "family_plan",
    "family_assessments",
    "family_reviews",
    "family_notes",
    "family_progress",
    "family_evidence",
    "family_chronology",
    "family_changes",
]
RECORD = "School exclusions, exclusion starting 10 January 2025"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def people() -> dict:
    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    return {
        "kw": user("kim", Role.KEY_WORKER, north),
        "kw_south": user("sam", Role.KEY_WORKER, south),
        "manager": user("morgan", Role.MANAGER, north),
        "analyst": user("alex", Role.ANALYST),
        "partner": user("pat", Role.PARTNER),
        "dpo": user("dana", Role.DPO),
        "north": north,
    }


def page(c, name: str, fid: str = "F1", **query: str) -> str:
    r = c.get(reverse(name, args=[fid]), query)
    assert r.status_code == 200, (name, r.status_code)
    return r.content.decode()


def test_each_section_is_a_page_of_its_own_for_who_may_see_the_family(people: dict) -> None:
    f = family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    nominated_by(people["partner"], f)
    kw, manager, analyst = (client_for(people[k]) for k in ("kw", "manager", "analyst"))
    for name in SECTIONS:
        for c in (kw, manager, analyst):
            html = page(c, name)
            # Every section carries the family's name and the sub navigation, its own
            # link marked as the current page.
            assert "Carter family" in html and 'class="moj-sub-navigation"' in html
            current = re.search(r'aria-current="page" href="([^"]+)"', html)
            assert current and current.group(1) == reverse(name, args=["F1"])
        # A key worker of another team, a partner (who has a page of their own) and the
        # data protection officer are told the family does not exist.
        for who in ("kw_south", "dpo"):
            assert client_for(people[who]).get(reverse(name, args=["F1"])).status_code == 404
        partner = client_for(people["partner"]).get(reverse(name, args=["F1"]))
        if name == "family":
            assert partner.status_code == 200 and b"Your nomination" in partner.content
            assert b"moj-sub-navigation" not in partner.content
        else:
            assert partner.status_code == 404


def test_agency_evidence_only_for_the_analyst_and_after_consent(people: dict) -> None:
    f = family("F1", status=Status.ALLOCATED, key_worker=people["kw"], team=people["north"])
    kw, analyst = client_for(people["kw"]), client_for(people["analyst"])
    for c, sees in ((kw, False), (analyst, True)):
        for name in ("family_evidence", "family_chronology"):
            assert (RECORD in page(c, name)) is sees, name
        rows = list(csv.DictReader(io.StringIO(page(c, "family_chronology_csv"))))
        assert any(r["kind"] == "agency" for r in rows) is sees
    assert "once the family has given consent" in page(kw, "family_evidence")
    f.consent = "given"
    f.save()
    assert RECORD in page(kw, "family_evidence") and RECORD in page(kw, "family_chronology")


def test_the_summary_says_what_matters(people: dict) -> None:
    f = family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    f.review_due = TODAY - timedelta(days=3)
    f.save()
    Action.objects.create(
        family=f, part="family", text="Walk Jade to school", owner="Lisa", due=TODAY
    )
    Action.objects.create(
        family=f, part="agency", text="Book a CAMHS appointment", owner="CAMHS", due=TODAY
    )
    Action.objects.filter(text="Walk Jade to school").update(due=TODAY - timedelta(days=1))
    nominated_by(people["partner"], f)
    html = page(client_for(people["kw"]), "family")
    text = visible_text(html)
    assert "Kim Tester, North" in text  # the key worker and team
    assert "Jade (14)" in text  # the children with their ages
    assert "Lisa Carter" in text and "Adult" in text and "Child" in text
    assert "Children not attending school regularly" in text  # needs in words
    assert "1 overdue" in text and "Walk Jade to school" in text
    assert "Overdue" in text  # the review
    assert "School (nominated the family)" in text and "CAMHS: Book a CAMHS" in text
    for code in ("EDUCATION", "HEALTH", "CHILD", "ADULT", "school_exclusions", "row 812"):
        assert code not in text, code


def test_no_section_shows_a_code(people: dict) -> None:
    f = family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    Check.objects.create(family=f, by=people["analyst"], eligible=True, framework="tf-2015")
    f.evidence.update(indicator="permanent exclusion")  # as the frameworks word them
    analyst = client_for(people["analyst"])
    for name in SECTIONS:
        text = visible_text(page(analyst, name))
        for code in ("EDUCATION", "HEALTH", "CHILD", "ADULT", "school_exclusions", "row 812"):
            assert code not in text, (name, code)
        assert "{#" not in text and "{%" not in text, name  # no template left unrendered


def test_an_action_is_edited_with_its_history_kept_and_in_the_chronology(people: dict) -> None:
    family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    kw = client_for(people["kw"])
    # The add form's old address still takes its POST; the form itself is at /plan/add.
    assert b"Add an action to the plan" in kw.get(reverse("plan", args=["F1"])).content
    r = kw.post(
        reverse("family_plan", args=["F1"]),
        {
            "part": "family",
            "text": "Walk Jade to school",
            "owner": "Lisa",
            **date_fields("due", TODAY + timedelta(days=7)),
        },
    )
    assert r.status_code == 302 and r["Location"] == reverse("family_plan", args=["F1"])
    a = Action.objects.get()
    assert a.created_by == people["kw"]
    edit = reverse("action_edit", args=["F1", a.pk])
    form = kw.get(edit).content.decode()
    assert 'value="Walk Jade to school"' in form and 'value="Lisa"' in form
    r = kw.post(edit, {"text": "", "owner": "Lisa", **date_fields("due", TODAY)})
    assert b"Enter the action" in r.content and ActionChange.objects.count() == 0
    r = kw.post(
        edit,
        {
            "text": "Walk Jade and Tom to school",
            "owner": "Lisa",
            **date_fields("due", TODAY + timedelta(days=14)),
        },
    )
    assert r.status_code == 302 and r["Location"] == reverse("family_plan", args=["F1"])
    a.refresh_from_db()
    assert (a.text, a.owner, a.due) == ("Walk Jade and Tom to school", "Lisa", date(2025, 6, 30))
    kept = list(ActionChange.objects.values_list("field", "before", "after", "by"))
    assert kept == [
        ("text", "Walk Jade to school", "Walk Jade and Tom to school", people["kw"].pk),
        ("due", "2025-06-23", "2025-06-30", people["kw"].pk),
    ]
    # A status change is kept too.
    r = kw.post(reverse("action", args=["F1", a.pk]), {"state": "in_progress"})
    assert r["Location"] == reverse("family_plan", args=["F1"])
    assert ActionChange.objects.count() == 3
    plan = visible_text(page(kw, "family_plan"))
    assert "Changed 3 times" in plan
    assert "Due by changed from “23 June 2025” to “30 June 2025”" in plan
    assert "Status changed from “Not started” to “In progress”" in plan
    html = page(kw, "family_chronology")
    assert html.count('moj-timeline__title">Action changed<') == 3
    chrono = visible_text(html)
    assert "Action added to the plan" in chrono
    assert "Action changed from “Walk Jade to school” to “Walk Jade and Tom to school”" in chrono
    # Saving the form unchanged keeps no change.
    kw.post(edit, {"text": a.text, "owner": a.owner, **date_fields("due", a.due)})
    assert ActionChange.objects.count() == 3


def test_an_action_of_another_family_cannot_be_edited(people: dict) -> None:
    family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    other = family("F2", key_worker=people["kw"], team=people["north"], consent="given")
    a = Action.objects.create(family=other, part="family", text="x", owner="y", due=TODAY)
    kw = client_for(people["kw"])
    assert kw.get(reverse("action_edit", args=["F1", a.pk])).status_code == 404
    south = client_for(people["kw_south"])
    assert south.get(reverse("action_edit", args=["F2", a.pk])).status_code == 404
    r = client_for(people["analyst"]).post(
        reverse("action_edit", args=["F2", a.pk]),
        {"text": "changed", "owner": "y", **date_fields("due", TODAY)},
    )
    assert r.status_code == 404 and Action.objects.get(pk=a.pk).text == "x"


def test_notes_have_a_kind_and_a_contact_date(people: dict) -> None:
    family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    kw = client_for(people["kw"])
    url = reverse("note", args=["F1"])
    form = kw.get(url).content.decode()
    for label in ("Visit", "Phone call", "Meeting", "Other"):
        assert f">{label}</label>" in form
    r = kw.post(url, {"text": "Called Lisa", **date_fields("on", TODAY)})
    assert b"Select what kind of contact it was" in r.content
    r = kw.post(url, {"kind": "phone", "text": "Called Lisa"})
    assert b"Enter the date of the contact" in r.content
    assert Note.objects.count() == 0
    r = kw.post(url, {"kind": "phone", "text": "Called Lisa", **date_fields("on", TODAY)})
    assert r.status_code == 302 and r["Location"] == reverse("family_notes", args=["F1"])
    kw.post(url, {"kind": "visit", "text": "Home visit", **date_fields("on", date(2025, 6, 2))})
    assert list(Note.objects.values_list("kind", "on")) == [
        ("phone", TODAY),
        ("visit", date(2025, 6, 2)),
    ]
    notes = visible_text(page(kw, "family_notes"))
    assert "Phone call" in notes and "Called Lisa" in notes and "Home visit" in notes
    only = visible_text(page(kw, "family_notes", kind="visit"))
    assert "Home visit" in only and "Called Lisa" not in only
    chrono = visible_text(page(kw, "family_chronology", show="note"))
    assert "Phone call" in chrono and "Visit" in chrono and "Showing 2 of" in chrono


def test_assessment_and_check_notes_are_shown(people: dict) -> None:
    family("F1", status=Status.IDENTIFIED)
    analyst = client_for(people["analyst"])
    r = analyst.post(reverse("check", args=["F1"]), {"eligible": "yes", "notes": "School agrees"})
    assert r.status_code == 302
    f = family("F2", key_worker=people["kw"], team=people["north"], consent="given")
    kw = client_for(people["kw"])
    scores = {f"area_{a.pk}": "6" for a in AssessmentArea.objects.all()}
    r = kw.post(
        reverse("assess", args=["F2"]),
        {**date_fields("on", date(2025, 6, 10)), **scores, "notes": "Mum wants help with rent"},
    )
    assert r["Location"] == reverse("family_assessments", args=["F2"])
    assert "School agrees" in visible_text(page(analyst, "family_assessments"))
    assert "School agrees" in visible_text(page(analyst, "family_chronology"))
    for name in ("family_assessments", "family_chronology"):
        assert "Mum wants help with rent" in visible_text(page(kw, name, f.family_id))


def test_the_chronology_csv_keeps_codes_with_words_beside(people: dict) -> None:
    f = family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    kw = client_for(people["kw"])
    kw.post(
        reverse("note", args=["F1"]),
        {"kind": "meeting", "text": "=HYPERLINK(1)", **date_fields("on", TODAY)},
    )
    r = kw.get(reverse("family_chronology_csv", args=["F1"]))
    assert r["Content-Disposition"] == 'attachment; filename="chronology-F1.csv"'
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    note = next(x for x in rows if x["kind"] == "note")
    assert (note["kind_label"], note["code"], note["what"]) == ("Notes", "meeting", "Meeting")
    assert note["detail"] == "'=HYPERLINK(1)" and note["date"] == TODAY.isoformat()
    agency = [x for x in rows if x["kind"] == "agency"]
    assert len(agency) == len(f.need_list) == 2
    assert {(x["need"], x["need_label"]) for x in agency} == {
        ("EDUCATION", "Children not attending school regularly"),
        ("HEALTH", "Health problems"),
    }
    assert {(x["source"], x["source_label"], x["person_id"]) for x in agency} == {
        ("school_exclusions", "School exclusions", "PF11")
    }
    assert rows[0]["date"] >= rows[-1]["date"]  # newest first
    only = list(csv.DictReader(io.StringIO(page(kw, "family_chronology_csv", show="note"))))
    assert [x["kind"] for x in only] == ["note"]


def test_the_chronology_pdf(people: dict) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    pytest.importorskip("weasyprint")
    f = family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    f.evidence.update(indicator="permanent exclusion")  # as the frameworks word them
    a = Action.objects.create(
        family=f, part="family", text="Walk to school", owner="Lisa", due=TODAY
    )
    kw = client_for(people["kw"])
    kw.post(
        reverse("action_edit", args=["F1", a.pk]),
        {"text": "Walk Jade to school", "owner": "Lisa", **date_fields("due", TODAY)},
    )
    kw.post(
        reverse("note", args=["F1"]),
        {"kind": "visit", "text": "Saw the family at home", **date_fields("on", TODAY)},
    )
    r = kw.get(reverse("family_chronology_pdf", args=["F1"]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = pdfium.PdfDocument(r.content)
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    text = re.sub(r"\s+", " ", text)
    for needle in (
        "Chronology: Carter family",
        "Reference F1",
        "Saw the family at home",
        "Action changed",
        "Walk Jade to school",
        RECORD,
        "Kim Tester",
    ):
        assert needle in text, needle
    assert "school_exclusions" not in text and "EDUCATION" not in text


def test_the_team_around_the_family_shows_on_the_summary_and_in_the_chronology(
    people: dict,
) -> None:
    family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    c = client_for(people["kw"])
    r = c.post(
        reverse("team_add", args=["F1"]),
        {
            "name": "Priya Shah",
            "agency": "Wessex Health",
            "role": "School nurse",
            "phone": "01632 960123",
            "email": "",
            **date_fields("started_on", date(2025, 5, 1)),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    summary = visible_text(page(c, "family"))
    assert "Priya Shah, School nurse, Wessex Health (since 1 May 2025)" in summary
    chronology = visible_text(page(c, "family_chronology"))
    assert "Professional involved" in chronology and "Priya Shah" in chronology
    assert "Team around the family" in visible_text(page(c, "family_chronology", show="team"))
