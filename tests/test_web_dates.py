"""The case's own timeline is the law of its dates; irreversible steps are confirmed.

Every date field of every step is refused before the case began (or the work
started), after today where it is not planned, against the review rule, and for
closure before the last event, in GOV.UK's words naming the boundary. A manager
corrects a wrong date of consent (the old value stays in the audit log and on the
timeline, the baseline follows as a new version); step-up and closure ask to be
confirmed; a manager reopens a closed case with a reason.

Today is frozen through `wholefamily.web.clock.today`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from webkit import client_for, date_fields, family, user
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework.models import Assessment, AssessmentArea, Event, Review
from wholefamily.web.families.models import Family, Status

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
IDENTIFIED = date(2025, 3, 31)  # webkit.family's identified_on
START = date(2025, 4, 3)
AS_OF = date(2025, 3, 31)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def people() -> dict[str, Any]:
    north = Team.objects.create(name="North", district="Casterbridge")
    return {
        "team": north,
        "kw": user("kim", Role.KEY_WORKER, north),
        "manager": user("morgan", Role.MANAGER, north),
        "dpo": user("dana", Role.DPO),
    }


def _allocated(people: dict[str, Any], fid: str = "F1") -> Family:
    return family(fid, status=Status.ALLOCATED, key_worker=people["kw"], team=people["team"])


def _active(people: dict[str, Any], fid: str = "F1", start: date = START) -> Family:
    """A family whose consent, given on `start`, was recorded through the page."""
    _allocated(people, fid)
    r = client_for(people["kw"]).post(
        reverse("consent", args=[fid]), {"decision": "given", **date_fields("on", start)}
    )
    assert r.status_code == 302
    return Family.objects.get(family_id=fid)


def _scores() -> dict[str, str]:
    return {f"area_{a.pk}": "5" for a in AssessmentArea.objects.all()}


def _refused(c: Any, name: str, data: dict[str, Any], message: str, fid: str = "F1") -> None:
    """The step's page shows `message` in the error summary and at its field, and
    nothing is written."""
    changes = AuditEntry.objects.filter(action="change").count()
    before = Family.objects.get(family_id=fid)
    r = c.post(reverse(name, args=[fid]), data)
    assert r.status_code == 200, r.status_code
    body = r.content.decode().replace("&#x27;", "'").replace("&rsquo;", "’")
    assert "There is a problem" in body
    assert body.count(message) == 2, f"{message!r} not in the summary and at its field"
    assert AuditEntry.objects.filter(action="change").count() == changes
    after = Family.objects.get(family_id=fid)
    assert (after.version, after.status, after.started_on) == (
        before.version,
        before.status,
        before.started_on,
    )


# Each date field of each step --------------------------------------------------------


def test_consent_is_dated_from_the_identification_to_today(people: dict[str, Any]) -> None:
    _allocated(people)
    c = client_for(people["kw"])
    given = {"decision": "given"}
    _refused(
        c,
        "consent",
        {**given, **date_fields("on", date(1900, 1, 1))},
        "The date of consent must be on or after 31 March 2025, when the family was identified",
    )
    _refused(
        c,
        "consent",
        {**given, **date_fields("on", TODAY + timedelta(days=1))},
        "The date of consent must be today or in the past",
    )
    _refused(
        c,
        "consent",
        {**given, "on_0": "3", "on_2": "2025"},
        "The date of consent must include a month",
    )
    _refused(
        c,
        "consent",
        {**given, "on_0": "31", "on_1": "2", "on_2": "2025"},
        "The date of consent must be a real date",
    )
    _refused(c, "consent", given, "Enter the date of consent")
    assert Event.objects.count() == 0
    r = c.post(reverse("consent", args=["F1"]), {**given, **date_fields("on", IDENTIFIED)})
    assert r.status_code == 302 and Family.objects.get().started_on == IDENTIFIED


def test_consent_of_a_nominated_family_is_dated_from_the_nomination(people: dict[str, Any]) -> None:
    from webkit import nominated_by

    f = _allocated(people)
    Family.objects.filter(pk=f.pk).update(identified_on=None)
    n = nominated_by(user("pat", Role.PARTNER), f)
    n.__class__.objects.filter(pk=n.pk).update(created_at=datetime(2025, 5, 20, 10, 0, tzinfo=UTC))
    _refused(
        client_for(people["kw"]),
        "consent",
        {"decision": "given", **date_fields("on", date(2025, 5, 19))},
        "The date of consent must be on or after 20 May 2025, when the family was nominated",
    )


def test_consent_withdrawn_is_not_dated_before_it_was_given(people: dict[str, Any]) -> None:
    _active(people)
    _refused(
        client_for(people["kw"]),
        "consent",
        {"decision": "withdrawn", "reason": "moved on", **date_fields("on", date(2025, 4, 2))},
        "The date of consent must be on or after 3 April 2025, when consent was last recorded",
    )


def test_the_work_is_dated_from_its_start(people: dict[str, Any]) -> None:
    _active(people)
    c = client_for(people["kw"])
    before = START - timedelta(days=1)
    started = "on or after 3 April 2025, when the work with the family started"
    _refused(
        c,
        "assess",
        {**date_fields("on", before), **_scores()},
        f"The date of the assessment must be {started}",
    )
    _refused(
        c,
        "assess",
        {**date_fields("on", TODAY + timedelta(days=1)), **_scores()},
        "The date of the assessment must be today or in the past",
    )
    action = {"part": "family", "text": "School every day", "owner": "Lisa"}
    _refused(
        c,
        "plan",
        {**action, **date_fields("due", date(1900, 1, 1))},
        f"The date the action is due by must be {started}",
    )
    review = {"summary": "Better attendance"}
    _refused(
        c,
        "review",
        {**review, **date_fields("on", before), **date_fields("next_due", START)},
        f"The date of the review must be {started}",
    )
    _refused(
        c,
        "review",
        {
            **review,
            **date_fields("on", TODAY + timedelta(days=1)),
            **date_fields("next_due", TODAY + timedelta(days=30)),
        },
        "The date of the review must be today or in the past",
    )
    assert Assessment.objects.count() == Review.objects.count() == 0
    # Planned dates may be in the future: an action's due date, the next review.
    r = c.post(
        reverse("plan", args=["F1"]), {**action, **date_fields("due", TODAY + timedelta(days=200))}
    )
    assert r.status_code == 302
    r = c.post(
        reverse("review", args=["F1"]),
        {
            **review,
            **date_fields("on", TODAY),
            **date_fields("next_due", TODAY + timedelta(days=90)),
        },
    )
    assert r.status_code == 302


def test_the_next_review_is_after_the_review_and_within_3_months(people: dict[str, Any]) -> None:
    _active(people)
    c = client_for(people["kw"])
    on = date(2026, 5, 31)
    review = {"summary": "Better attendance", **date_fields("on", on)}
    _refused(
        c,
        "review",
        {**review, **date_fields("next_due", on)},
        "The date of the next review must be after the date of this review, 31 May 2026",
    )
    _refused(
        c,
        "review",
        {**review, **date_fields("next_due", date(2026, 9, 1))},
        "The date of the next review must be on or before 31 August 2026, 3 months after "
        "this review (reviews are at least quarterly)",
    )
    r = c.post(
        reverse("review", args=["F1"]), {**review, **date_fields("next_due", date(2026, 8, 31))}
    )
    assert r.status_code == 302 and Family.objects.get().review_due == date(2026, 8, 31)
    # A review entered late, dated before that one, does not move the next review back.
    late = {"summary": "Earlier visit", **date_fields("on", date(2026, 2, 1))}
    r = c.post(
        reverse("review", args=["F1"]), {**late, **date_fields("next_due", date(2026, 4, 1))}
    )
    assert r.status_code == 302 and Family.objects.get().review_due == date(2026, 8, 31)


def test_steps_follow_the_last_change_of_the_case(people: dict[str, Any]) -> None:
    _active(people)
    c = client_for(people["kw"])
    _refused(
        c,
        "step",
        {"reason": "Risk escalated", **date_fields("on", date(2025, 4, 2))},
        "The date of the step up must be on or after 3 April 2025, when the work with the family "
        "started",
    )
    _refused(
        c,
        "step",
        {"reason": "Risk escalated", **date_fields("on", TODAY + timedelta(days=3))},
        "The date of the step up must be today or in the past",
    )
    up = {"reason": "Risk escalated", **date_fields("on", date(2026, 1, 10)), "confirmed": "yes"}
    assert c.post(reverse("step", args=["F1"]), up).status_code == 302
    _refused(
        c,
        "step",
        {"reason": "Safer now", **date_fields("on", date(2026, 1, 9)), "confirmed": "yes"},
        "The date of the step down must be on or after 10 January 2026, when the family was "
        "stepped up to social care",
    )


def test_closure_is_dated_on_or_after_the_last_event(people: dict[str, Any]) -> None:
    _active(people)
    c = client_for(people["kw"])
    r = c.post(
        reverse("review", args=["F1"]),
        {
            "summary": "Going well",
            **date_fields("on", date(2026, 5, 2)),
            **date_fields("next_due", date(2026, 8, 1)),
        },
    )
    assert r.status_code == 302
    close = {"reason": "outcomes", "confirmed": "yes"}
    _refused(
        c,
        "close",
        {**close, **date_fields("on", date(2026, 5, 1))},
        "The date the case closed must be on or after 2 May 2026, when the last review was held",
    )
    _refused(
        c,
        "close",
        {**close, **date_fields("on", TODAY + timedelta(days=1))},
        "The date the case closed must be today or in the past",
    )
    assert (
        c.post(
            reverse("close", args=["F1"]), {**close, **date_fields("on", date(2026, 5, 2))}
        ).status_code
        == 302
    )
    assert Family.objects.get().closed_on == date(2026, 5, 2)


def test_a_start_date_for_the_baseline_is_not_before_the_identification(
    people: dict[str, Any],
) -> None:
    family(
        "F1", status=Status.ACTIVE, key_worker=people["kw"], team=people["team"], consent="given"
    )
    _refused(
        client_for(people["manager"]),
        "baseline",
        {"reason": "no start recorded", **date_fields("on", date(1900, 1, 1))},
        "The start date must be on or after 31 March 2025, when the family was identified",
    )


# The manager's correction of the date of consent ------------------------------------------


def _wrongly_started(people: dict[str, Any], wrong: date = date(1900, 1, 1)) -> Family:
    """A case recorded before dates were checked: consent given on 1 January 1900."""
    f = family(
        "F1", status=Status.ACTIVE, key_worker=people["kw"], team=people["team"], consent="given"
    )
    Family.objects.filter(pk=f.pk).update(started_on=wrong, review_due=date(1900, 4, 1))
    Event.objects.create(
        family=f, kind=Event.Kind.CONSENT, on=wrong, by=people["kw"], detail="given"
    )
    return Family.objects.get(pk=f.pk)


def test_a_manager_corrects_the_date_of_consent(people: dict[str, Any]) -> None:
    f = _wrongly_started(people)
    c = client_for(people["manager"])
    page = c.get(reverse("family", args=["F1"])).content.decode()
    assert "Correct the date of consent" in page
    form = c.get(reverse("correct", args=["F1"])).content.decode()
    assert "Recorded now: 1 January 1900" in form
    fixed = {"reason": "The year was typed wrongly", **date_fields("on", START)}
    r = c.post(reverse("correct", args=["F1"]), {**fixed, "version": str(f.version)})
    assert r.status_code == 302
    f = Family.objects.get()
    assert f.started_on == START and f.version == 1
    assert f.review_due == date(2025, 7, 3)  # no review held: the first is due 3 months after
    consent = Event.objects.get(kind=Event.Kind.CONSENT)
    assert consent.on == START and "dated 1 January 1900 until corrected" in consent.detail
    corrected = Event.objects.get(kind=Event.Kind.CORRECTED)
    assert corrected.on == TODAY and corrected.by == people["manager"]
    assert corrected.detail == (
        "Date of consent and start of the work corrected from 1 January 1900 to 3 April 2025. "
        "Why: The year was typed wrongly"
    )
    # The old value stays in the audit log ...
    entry = AuditEntry.objects.get(action="change", object_id="F1")
    assert entry.username == "morgan"
    assert entry.detail == (
        "correct: date of consent corrected from 1900-01-01 to 2025-04-03: "
        "The year was typed wrongly"
    )
    hits = client_for(people["dpo"]).get(reverse("audit"), {"object_id": "F1", "action": "change"})
    assert b"from 1900-01-01 to 2025-04-03" in hits.content
    # ... and on the timeline.
    timeline = c.get(reverse("family_chronology", args=["F1"])).content.decode()
    assert (
        "Date corrected" in timeline and "corrected from 1 January 1900 to 3 April 2025" in timeline
    )


def test_a_key_worker_cannot_correct_the_date_of_consent(people: dict[str, Any]) -> None:
    _wrongly_started(people)
    c = client_for(people["kw"])
    assert (
        "Correct the date of consent" not in c.get(reverse("family", args=["F1"])).content.decode()
    )
    assert c.get(reverse("correct", args=["F1"])).status_code == 404
    r = c.post(reverse("correct", args=["F1"]), {"reason": "x", **date_fields("on", START)})
    assert r.status_code == 404
    assert Family.objects.get().started_on == date(1900, 1, 1)
    assert AuditEntry.objects.filter(action="denied", object_type="correct").exists()


def test_a_correction_is_checked_like_the_date_it_corrects(people: dict[str, Any]) -> None:
    f = _wrongly_started(people, wrong=date(2025, 4, 30))
    Assessment.objects.create(family=f, on=date(2025, 5, 12), by=people["kw"])
    c = client_for(people["manager"])
    why = {"reason": "typed wrongly"}
    _refused(
        c,
        "correct",
        {**why, **date_fields("on", date(1900, 1, 1))},
        "The date of consent must be on or after 31 March 2025, when the family was identified",
    )
    _refused(
        c,
        "correct",
        {**why, **date_fields("on", date(2025, 5, 13))},
        "The date of consent must be on or before 12 May 2025, when the first assessment was made",
    )
    _refused(
        c,
        "correct",
        {**why, **date_fields("on", date(2025, 4, 30))},
        "The date of consent is already 30 April 2025: enter the correct date",
    )
    _refused(c, "correct", date_fields("on", START), "Enter why the date is being corrected")
    assert not Event.objects.filter(kind=Event.Kind.CORRECTED).exists()


def test_no_start_date_no_correction(people: dict[str, Any]) -> None:
    _allocated(people)
    assert client_for(people["manager"]).get(reverse("correct", args=["F1"])).status_code == 404


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from wholefamily.frameworks.identify import identify
    from wholefamily.ingest import load_drop
    from wholefamily.linkage import link
    from wholefamily.synth import SynthConfig, generate

    root = tmp_path_factory.mktemp("dates")
    generate(SynthConfig(people=1500, seed=5, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    identify(root / "ws", "tf-2015", AS_OF, root / "run")
    return root / "ws", root / "run"


def test_the_baseline_follows_the_corrected_date_as_a_new_version(
    linked: tuple[Path, Path], settings: Any, people: dict[str, Any]
) -> None:
    from wholefamily import warehouse as W
    from wholefamily.frameworks.engine import linked_people
    from wholefamily.frameworks.files import check, shipped
    from wholefamily.outcomes import measure, only
    from wholefamily.web.families.sync import sync
    from wholefamily.web.progress.models import Baseline

    ws, run_dir = linked
    settings.WORKSPACE = ws
    sync(run_dir)
    fam = Family.objects.filter(eligible=True).order_by("family_id").first()
    assert fam is not None
    fid = fam.family_id
    Family.objects.filter(pk=fam.pk).update(
        status=Status.ALLOCATED, key_worker=people["kw"], team=people["team"]
    )
    wrong, right = date(2025, 9, 30), AS_OF  # typed the day of the first visit
    r = client_for(people["kw"]).post(
        reverse("consent", args=[fid]), {"decision": "given", **date_fields("on", wrong)}
    )
    assert r.status_code == 302
    (first,) = Baseline.objects.filter(family=fam)
    assert (first.version, first.start) == (1, wrong)
    r = client_for(people["manager"]).post(
        reverse("correct", args=[fid]),
        {"reason": "the consent form is dated 31 March", **date_fields("on", right)},
        follow=True,
    )
    assert b"Baseline version 2 frozen at 31 March 2025" in r.content
    second = Baseline.objects.get(family=fam, version=2)
    assert second.start == right
    assert (
        second.reason
        == "start corrected from 2025-09-30 to 2025-03-31: the consent form is dated 31 March"
    )
    kept = Baseline.objects.get(family=fam, version=1)
    assert (kept.start, kept.counts) == (first.start, first.counts)  # never edited
    fw = check(shipped()["tf-2015"]).data
    con = W.connect(ws, read_only=True)
    try:
        expected = measure(con, fw, "d", right, only(linked_people(con), [fid]))
    finally:
        con.disconnect()
    assert {(n, i): c for n, i, c in second.counts} == {
        (n, i): c for (_, n, i), c in expected.items()
    }


# Step-up and closure are confirmed ---------------------------------------------------------


def test_closure_is_confirmed_before_it_is_recorded(people: dict[str, Any]) -> None:
    _active(people)
    c = client_for(people["kw"])
    url = reverse("close", args=["F1"])
    data = {"reason": "moved", "detail": "To Budmouth", **date_fields("on", TODAY)}
    r = c.post(url, data)
    body = r.content.decode()
    assert r.status_code == 200 and "Check before you close the case" in body
    assert "Family moved away: To Budmouth" in body and "15 June 2026" in body
    assert "Confirm and close the case" in body and "Only a team manager can reopen" in body
    f = Family.objects.get()
    assert f.status == Status.ACTIVE and not Event.objects.filter(kind="closed").exists()
    # "Change your answers" shows the form again, filled in.
    r = c.post(url, {**data, "change": "yes"})
    assert b"To Budmouth" in r.content and b"Check before you close" not in r.content
    assert Family.objects.get().status == Status.ACTIVE
    r = c.post(url, {**data, "confirmed": "yes", "version": str(f.version)})
    assert r.status_code == 302
    f = Family.objects.get()
    assert (f.status, f.closed_on, f.closure_reason) == (
        Status.CLOSED,
        TODAY,
        "Family moved away: To Budmouth",
    )
    entry = AuditEntry.objects.filter(action="change", object_id="F1").latest("id")
    assert entry.detail == "close: Family moved away: To Budmouth (confirmed)"


def test_closing_for_another_reason_needs_a_description(people: dict[str, Any]) -> None:
    _active(people)
    c = client_for(people["kw"])
    other = {"reason": "other", **date_fields("on", TODAY)}
    for detail in ("", "   "):
        for confirmed in ({}, {"confirmed": "yes"}):
            _refused(
                c,
                "close",
                {**other, "detail": detail, **confirmed},
                "Describe why the case is closing",
            )
    r = c.post(
        reverse("close", args=["F1"]), {**other, "detail": "Family emigrated", "confirmed": "yes"}
    )
    assert r.status_code == 302 and Family.objects.get().closure_reason == "Other: Family emigrated"


def test_step_up_is_confirmed_and_says_why(people: dict[str, Any]) -> None:
    _active(people)
    c = client_for(people["kw"])
    url = reverse("step", args=["F1"])
    _refused(c, "step", date_fields("on", TODAY), "Enter why the family is being stepped up")
    data = {"reason": "Section 47 enquiry opened", **date_fields("on", TODAY)}
    body = c.post(url, data).content.decode()
    assert "Check before you step the family up" in body and "Section 47 enquiry opened" in body
    assert "its results cannot be claimed" in body
    assert Family.objects.get().status == Status.ACTIVE
    assert c.post(url, {**data, "confirmed": "yes"}).status_code == 302
    assert Family.objects.get().status == Status.STEPPED_UP
    assert Event.objects.filter(
        kind=Event.Kind.STEP_UP, detail="Section 47 enquiry opened"
    ).exists()


# Reopening ---------------------------------------------------------------------------------


def _closed(people: dict[str, Any]) -> Family:
    _active(people)
    r = client_for(people["kw"]).post(
        reverse("close", args=["F1"]),
        {"reason": "outcomes", **date_fields("on", date(2026, 6, 1)), "confirmed": "yes"},
    )
    assert r.status_code == 302
    return Family.objects.get()


def test_a_manager_reopens_a_closed_case_with_a_reason(people: dict[str, Any]) -> None:
    f = _closed(people)
    c = client_for(people["manager"])
    assert "Reopen the case" in c.get(reverse("family", args=["F1"])).content.decode()
    _refused(c, "reopen", {"reason": ""}, "Enter why the case is being reopened")
    r = c.post(
        reverse("reopen", args=["F1"]), {"reason": "Closed by mistake", "version": str(f.version)}
    )
    assert r.status_code == 302
    now = Family.objects.get()
    # Consent given and the work started: back to active, the next review within 3 months.
    assert (now.status, now.closed_on, now.closure_reason) == (Status.ACTIVE, None, "")
    assert now.version == f.version + 1 and now.review_due == date(2026, 9, 15)
    assert now.started_on == START and now.key_worker == people["kw"]
    e = Event.objects.get(kind=Event.Kind.REOPENED)
    assert (e.on, e.by) == (TODAY, people["manager"])
    assert e.detail == "Active; closed on 1 June 2026 (Outcomes achieved). Why: Closed by mistake"
    entry = AuditEntry.objects.filter(action="change", object_id="F1").latest("id")
    assert entry.detail.startswith("reopen: reopened to active, closed on 1 June 2026")
    timeline = c.get(reverse("family_chronology", args=["F1"])).content.decode()
    assert "Reopened" in timeline and "Closed by mistake" in timeline
    assert Event.objects.filter(kind=Event.Kind.CLOSED).exists()  # the closure stays
    # Open again, so no reopening; a stale form writes nothing.
    assert c.get(reverse("reopen", args=["F1"])).status_code == 404
    r = c.post(reverse("reopen", args=["F1"]), {"reason": "again", "version": str(f.version)})
    assert r.status_code == 409 and Event.objects.filter(kind="reopened").count() == 1


def test_a_case_closed_before_consent_reopens_awaiting_consent(people: dict[str, Any]) -> None:
    _allocated(people)
    r = client_for(people["kw"]).post(
        reverse("close", args=["F1"]),
        {"reason": "disengaged", **date_fields("on", TODAY), "confirmed": "yes"},
    )
    assert r.status_code == 302
    r = client_for(people["manager"]).post(
        reverse("reopen", args=["F1"]), {"reason": "Family called"}
    )
    assert r.status_code == 302
    f = Family.objects.get()
    assert (f.status, f.review_due) == (Status.ALLOCATED, None)


def test_only_a_manager_reopens(people: dict[str, Any]) -> None:
    _closed(people)
    c = client_for(people["kw"])
    assert "Reopen the case" not in c.get(reverse("family", args=["F1"])).content.decode()
    assert c.get(reverse("reopen", args=["F1"])).status_code == 404
    assert c.post(reverse("reopen", args=["F1"]), {"reason": "x"}).status_code == 404
    assert Family.objects.get().status == Status.CLOSED
