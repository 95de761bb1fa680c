"""The Children in Need census from the case database: constructed cases made through the
services, the census records they give (known answers), the DfE's rules on the return
(no ERROR), a field broken on purpose and caught by rule 1105 on the command line and on
the analyst's page, bad input refused whole, and the page for analysts only.

The DfE's validator runs from `.venv-cin` (`make setup`), or WHOLEFAMILY_CIN_VENV."""

from __future__ import annotations

import html
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from test_cli import WF, assert_one_line_error, user_env
from webkit import client_for, family, user, visible_text
from wholefamily.returns.cin import (
    Assessment,
    Child,
    CINEpisode,
    CINPlan,
    CPPlan,
    Section47,
    parse_year,
)
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.families.models import Person
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.census import Names, children_for_year, la_child_id
from wholefamily.web.familyhelp.models import Decision, Episode, Level
from wholefamily.web.protection import services as cp
from wholefamily.web.protection.models import Plan
from wholefamily.web.returns import services
from wholefamily.web.returns.services import CensusSettingsError, load_settings, make_return

d = date.fromisoformat


def kid(f: Any) -> Person:
    return Person.objects.get(person_id=f"P{f.family_id}1")


def _cases() -> dict[str, Any]:
    """A county's year in seven families, each made as practitioners make it."""
    team = Team.objects.create(name="Family Help East")
    mgr = user("fhmanager", Role.MANAGER, team)
    worker = user("worker", Role.KEY_WORKER, team)
    lead = user("teacher", Role.PARTNER)
    cpp = user("cpp", Role.CP_PRACTITIONER)

    # F1: a referral with no further action, and another decided after 31 March.
    f1 = family("F1", consent="given")
    r = fh.record_request(f1, [kid(f1)], d("2025-06-02"), "3A", "GP worried.", mgr)
    fh.decide(r, Decision.NFA, d("2025-06-04"), mgr)
    r = fh.record_request(f1, [kid(f1)], d("2026-03-30"), "2A", "School worried.", mgr)
    fh.decide(r, Decision.NFA, d("2026-04-02"), mgr)

    # F2: Family Help with an assessment and a CIN plan (the lead changed during it, then
    # a step down to targeted help, the episode still open).
    f2 = family("F2", consent="given")
    r = fh.record_request(f2, [kid(f2)], d("2025-05-01"), "2A", "Often absent.", mgr)
    ep = fh.decide(r, Decision.FAMILY_HELP, d("2025-05-02"), mgr, lead=lead)
    assert ep is not None
    a = fh.start_assessment(ep, [kid(f2)], d("2025-05-06"), worker)
    fh.complete_assessment(a, d("2025-06-20"), ["4B"], "Mum unwell.", worker, "N5")
    fh.authorise_assessment(a, d("2025-06-23"), mgr)
    fh.change_level(ep, kid(f2), Level.CIN, d("2025-06-23"), mgr, "CIN plan agreed")
    fh.change_lead(ep, worker, d("2025-09-01"), mgr, "Teacher on leave")
    fh.change_level(ep, kid(f2), Level.TARGETED, d("2026-02-02"), mgr, "Doing better")

    # F3: a child protection enquiry, its conference and plan, reviews (one after 31 March).
    f3 = family("F3", consent="given")
    r = fh.record_request(f3, [kid(f3)], d("2025-04-14"), "6", "Police call-out.", mgr)
    ep = fh.decide(r, Decision.CP_ENQUIRY, d("2025-04-14"), mgr, lead=worker)
    assert ep is not None
    a = fh.start_assessment(ep, [kid(f3)], d("2025-04-15"), worker)
    fh.complete_assessment(a, d("2025-05-26"), ["3B", "16A"], "Neglect.", worker)
    fh.authorise_assessment(a, d("2025-05-27"), mgr)
    s = cp.hold_strategy(ep, [kid(f3)], d("2025-04-15"), "Police\nSchool", cpp)
    cp.record_outcome(s.enquiries.get(), d("2025-05-01"), "conference", cpp)
    cp.initial_conference(s, d("2025-05-06"), "All", {kid(f3): "NEG"}, cpp)
    plan = Plan.objects.get(child=kid(f3))
    cp.review_conference(ep, d("2025-07-29"), "All", cpp)
    cp.review_conference(ep, d("2026-01-27"), "All", cpp, categories={plan: "MUL"})
    cp.review_conference(ep, d("2026-04-21"), "All", cpp)

    # F4: a repeat plan: one plan ends at a review (a CIN plan follows), a second begins.
    f4 = family("F4", consent="given")
    r = fh.record_request(f4, [kid(f4)], d("2025-04-22"), "2A", "Bruising seen.", mgr)
    ep = fh.decide(r, Decision.CP_ENQUIRY, d("2025-04-22"), mgr, lead=worker)
    assert ep is not None
    a = fh.start_assessment(ep, [kid(f4)], d("2025-04-23"), worker)
    fh.complete_assessment(a, d("2025-06-02"), ["17A"], "Emotional harm.", worker, "N1")
    fh.authorise_assessment(a, d("2025-06-03"), mgr)
    s = cp.hold_strategy(ep, [kid(f4)], d("2025-04-23"), "Police", cpp)
    cp.record_outcome(s.enquiries.get(), d("2025-05-01"), "conference", cpp)
    first = cp.initial_conference(s, d("2025-05-07"), "All", {kid(f4): "EMO"}, cpp).plans.get()
    cp.review_conference(ep, d("2025-07-29"), "All", cpp, end={first: "Safer"})
    s = cp.hold_strategy(ep, [kid(f4)], d("2025-10-06"), "Police", cpp)
    cp.record_outcome(s.enquiries.get(), d("2025-10-20"), "conference", cpp)
    cp.initial_conference(s, d("2025-10-27"), "All", {kid(f4): "PHY"}, cpp)

    # F5: a Supporting Families case that steps up: assessed, then a CIN plan.
    f5 = family("F5", key_worker=worker, consent="given")
    f5.started_on = d("2024-11-04")
    f5.save()
    ep = fh.episode_of(f5)
    assert ep is not None
    a = fh.start_assessment(ep, [kid(f5)], d("2025-09-01"), worker)
    fh.complete_assessment(a, d("2025-10-10"), ["6B"], "Dad's illness.", worker, "N3")
    fh.authorise_assessment(a, d("2025-10-13"), mgr)
    fh.change_level(ep, kid(f5), Level.CIN, d("2025-10-13"), mgr, "CIN plan agreed")

    # F6: a Supporting Families case with targeted help only: not a child in need.
    f6 = family("F6", key_worker=worker, consent="given")
    f6.started_on = d("2025-01-06")
    f6.save()
    assert fh.episode_of(f6) is not None

    # F7: outside the year: an episode closed before 1 April, an NFA referral received
    # before it; F8: a referral received after 31 March.
    f7 = family("F7", consent="given")
    r = fh.record_request(f7, [kid(f7)], d("2024-05-01"), "1A", "Aunt worried.", mgr)
    ep = fh.decide(r, Decision.FAMILY_HELP, d("2024-05-02"), mgr, lead=worker)
    assert ep is not None
    fh.change_level(ep, kid(f7), Level.CIN, d("2024-06-03"), mgr, "CIN plan")
    fh.close_episode(ep, d("2025-02-28"), "RC7", mgr)
    r = fh.record_request(f7, [kid(f7)], d("2025-03-20"), "1A", "Aunt again.", mgr)
    fh.decide(r, Decision.NFA, d("2025-04-02"), mgr)
    f8 = family("F8", consent="given")
    r = fh.record_request(f8, [kid(f8)], d("2026-04-02"), "6", "Police.", mgr)
    fh.decide(r, Decision.FAMILY_HELP, d("2026-04-03"), mgr, lead=worker)
    return {"manager": mgr, "worker": worker, "lead": lead, "cpp": cpp}


def expected() -> list[Child]:
    born = d("2011-05-04")  # every constructed child: of school age, so UN4 unless NFA only
    return [
        Child("PF11", "F", "NOBT", birth_date=born, upn_unknown="UN7", episodes=(
            CINEpisode(d("2025-06-02"), "3A", referral_nfa=True, closure_date=d("2025-06-04"),
                       closure_reason="RC7"),
            CINEpisode(d("2026-03-30"), "2A", referral_nfa=True),
        )),
        Child("PF21", "F", "NOBT", birth_date=born, upn_unknown="UN4", episodes=(
            CINEpisode(d("2025-05-01"), "2A", primary_need="N5",
                       assessments=(Assessment(d("2025-05-06"), d("2025-06-23"), ("4B",)),),
                       cin_plans=(CINPlan(d("2025-06-23"), d("2026-02-02")),)),
        )),
        Child("PF31", "F", "NOBT", birth_date=born, upn_unknown="UN4", episodes=(
            CINEpisode(
                d("2025-04-14"), "6", primary_need="N1",  # none recorded: N1 for a s47
                assessments=(Assessment(d("2025-04-15"), d("2025-05-27"), ("16A", "3B")),),
                # 15 working days from 15 April 2025, past Easter and the May bank holiday
                section47s=(Section47(d("2025-04-15"), d("2025-05-09"), d("2025-05-06")),),
                cp_plans=(CPPlan(d("2025-05-06"), "NEG", "MUL", 0,
                                 reviews=(d("2025-07-29"), d("2026-01-27"))),),
            ),
        )),
        Child("PF41", "F", "NOBT", birth_date=born, upn_unknown="UN4", episodes=(
            CINEpisode(
                d("2025-04-22"), "2A", primary_need="N1",
                assessments=(Assessment(d("2025-04-23"), d("2025-06-03"), ("17A",)),),
                cin_plans=(CINPlan(d("2025-07-29"), d("2025-10-27")),),
                section47s=(Section47(d("2025-04-23"), d("2025-05-15"), d("2025-05-07")),
                            Section47(d("2025-10-06"), d("2025-10-27"), d("2025-10-27"))),
                cp_plans=(CPPlan(d("2025-05-07"), "EMO", "EMO", 0, end=d("2025-07-29"),
                                 reviews=(d("2025-07-29"),)),
                          CPPlan(d("2025-10-27"), "PHY", "PHY", 1)),
            ),
        )),
        Child("PF51", "F", "NOBT", birth_date=born, upn_unknown="UN4", episodes=(
            CINEpisode(d("2025-09-01"), "5D", primary_need="N3",  # stepped up: early help
                       assessments=(Assessment(d("2025-09-01"), d("2025-10-13"), ("6B",)),),
                       cin_plans=(CINPlan(d("2025-10-13")),)),
        )),
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_cases_give_the_census_records_and_the_dfe_rules_find_no_error(
    tmp_path: Path, settings: Any
) -> None:
    _cases()
    settings.WORKSPACE = tmp_path
    assert list(children_for_year("2025-26")) == expected()
    made = make_return("2025-26", tmp_path / "cin.xml")
    r = made.report
    assert r.errors == (), [(e.rule, e.child, e.message) for e in r.errors]
    assert r.crashed == () and made.exit_code == 0
    assert (made.children, made.episodes, made.cp_plans) == (5, 6, 3)
    assert made.la_code == "838"  # the demo's, when nothing sets it
    # The year before holds F7's episode, with its CIN plan and closure, and its NFA
    # referral of 20 March 2025, open then: it was decided on 2 April.
    (f7,) = [c for c in children_for_year("2024-25") if c.la_child_id == "PF71"]
    assert f7.episodes == (
        CINEpisode(d("2024-05-01"), "1A", closure_date=d("2025-02-28"), closure_reason="RC7",
                   cin_plans=(CINPlan(d("2024-06-03"), d("2025-02-28")),)),
        CINEpisode(d("2025-03-20"), "1A", referral_nfa=True),
    )  # fmt: skip


@pytest.mark.django_db
def test_odd_but_legal_records_do_not_stop_the_mapping() -> None:
    mgr = user("fhmanager", Role.MANAGER)
    f = family("F9", consent="given")
    ep = Episode.objects.create(family=f, opened_on=d("2025-07-01"), lead=mgr)  # no levels
    Plan.objects.create(
        episode=ep, child=kid(f), started_on=d("2025-08-01"), initial_category="NEG",
        latest_category="NEG", by=mgr,
    )  # fmt: skip  # a plan with no conference
    g = family("F10", consent="given")
    empty = Episode.objects.create(family=g, opened_on=d("2025-05-01"), lead=mgr)
    a = fh.start_assessment(empty, [kid(g)], d("2025-05-02"), mgr)  # never completed
    a.children.add(Person.objects.get(person_id="PF102"))
    people: dict[str, int] = {}
    children = {c.la_child_id: c for c in children_for_year("2025-26", people=people)}
    assert set(children) == {"PF91", "PF101", "PF102"}
    (e,) = children["PF91"].episodes
    assert (e.referral_date, e.referral_source, e.primary_need) == (d("2025-08-01"), "5D", "N1")
    assert e.cp_plans == (CPPlan(d("2025-08-01"), "NEG", "NEG", 0),) and e.section47s == ()
    (e,) = children["PF101"].episodes
    assert e.assessments == (Assessment(d("2025-05-02")),) and e.primary_need is None
    assert people["PF91"] == kid(f).pk


def test_a_long_person_id_becomes_a_stable_census_id() -> None:
    assert la_child_id("P00012345") == "P00012345"
    long = la_child_id("NP-0000012-from-the-nomination-form")
    assert long == la_child_id("NP-0000012-from-the-nomination-form")
    assert len(long) == 20 and long.isalnum() and long != la_child_id("NP-0000013")


@pytest.mark.django_db
def test_the_councils_names_map_to_census_codes(tmp_path: Path, settings: Any) -> None:
    mgr = user("fhmanager", Role.MANAGER)
    f = family("F1", consent="given")
    r = fh.record_request(
        f, [kid(f)], d("2025-06-02"), "8", "Nurse.", mgr, source_name="School nurse team"
    )
    fh.decide(r, Decision.NFA, d("2025-06-02"), mgr)
    (tmp_path / "census.yaml").write_text(
        'la_code: "885"\nreferral_sources:\n  school  NURSE team: "3C"\n'
        "closure_reasons:\n  Family moved away: RC5\n",
        encoding="utf-8",
    )
    census = load_settings(tmp_path)
    assert census.la_code == "885"
    assert census.names.closure("Family moved away") == "RC5"
    (child,) = children_for_year("2025-26", names=census.names)
    assert child.episodes[0].referral_source == "3C"  # "8", another source, as recorded
    (child,) = children_for_year("2025-26", names=Names())
    assert child.episodes[0].referral_source == "8"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('referral_sources:\n  School nurse team: "3X"\n', "'3X', which is not a census referral"),
        ("closure_reasons:\n  Moved: RC10\n", "'RC10', which is not a census reason for closure"),
        ('la_code: "88"\n', "three-digit DfE code"),
        ("la_code: [838\n", "is not a YAML file"),
        ("lea: 838\n", "'lea' is not a census setting"),
        ("referral_sources: 3C\n", "must map the council's names"),
        ("- 838\n", "must hold settings"),
    ],
)
def test_bad_census_settings_are_one_line(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "census.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CensusSettingsError) as e:
        load_settings(tmp_path)
    assert needle in str(e.value) and "\n" not in str(e.value)
    assert str(tmp_path / "census.yaml") in str(e.value)


# --- The command line and the page, on the test database ---------------------------------


def _database_env() -> dict[str, str]:
    """A user's environment whose DATABASE_URL is the test database (SQLite or PostgreSQL)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{s['NAME']}"
    else:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return {**user_env(), "DATABASE_URL": url}


def census_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WF, "returns", "cin-census", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env or _database_env(),
    )


def _break_the_plan() -> None:
    """F3's plan starts before its referral (14 April 2025): the DfE's rule 1105."""
    assert Plan.objects.filter(child__person_id="PF31").update(started_on=d("2025-04-10")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_plan_before_its_referral_is_caught_by_rule_1105_on_the_command_line(
    tmp_path: Path, flush_past_triggers: None
) -> None:
    _cases()
    out = tmp_path / "cin.xml"
    res = census_cli("--year", "2025-26", "--out", str(out), "--workspace", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "5 children, 6 episodes, 3 child protection plans" in res.stdout
    assert "0 ERROR" in res.stdout and "can be sent" in res.stdout
    _break_the_plan()
    res = census_cli("--year", "2025-26", "--out", str(out), "--workspace", str(tmp_path))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    (row,) = [line for line in res.stdout.splitlines() if "│ 1105" in line]
    assert "ERROR" in row and "PF31" in row and "CPPstartDate=2025-04-10" in row
    assert "would not accept" in res.stdout
    assert "<CPPstartDate>2025-04-10</CPPstartDate>" in out.read_text(encoding="utf-8")


@pytest.mark.django_db(transaction=True)
def test_bad_input_on_the_command_line_is_one_line_and_writes_nothing(
    tmp_path: Path, flush_past_triggers: None
) -> None:
    out = tmp_path / "cin.xml"
    ws = ["--workspace", str(tmp_path)]
    assert_one_line_error(census_cli("--year", "2025-27", "--out", str(out), *ws), "2025-26")
    assert_one_line_error(
        census_cli("--year", "2025-26", "--out", str(tmp_path / "cin.txt"), *ws), ".xml"
    )
    (tmp_path / "census.yaml").write_text('referral_sources:\n  Nurses: "3X"\n', encoding="utf-8")
    assert_one_line_error(
        census_cli("--year", "2025-26", "--out", str(out), *ws), "not a census referral source"
    )
    (tmp_path / "census.yaml").unlink()
    env = {**_database_env(), "WHOLEFAMILY_CIN_VENV": str(tmp_path / "no-venv")}
    assert_one_line_error(
        census_cli("--year", "2025-26", "--out", str(out), *ws, env=env), "make setup"
    )
    assert not out.exists() and not list(tmp_path.glob("*.xml*"))


@pytest.mark.django_db
def test_the_analyst_makes_the_return_and_reads_the_rules_report(
    tmp_path: Path, settings: Any
) -> None:
    _cases()
    settings.WORKSPACE = tmp_path
    analyst = client_for(user("analyst", Role.ANALYST))
    page = reverse("cin_census")
    r = analyst.get(page + "?year=2025-26")
    assert "No return has been made for 2025-26 yet" in visible_text(r.content.decode())
    _break_the_plan()
    r = analyst.post(page, {"year": "2025-26"})
    assert r.status_code == 302 and r["Location"].endswith("?year=2025-26")
    text = visible_text(analyst.get(r["Location"]).content.decode())
    assert "would not accept this return" in text
    errors = text.split("Errors: the department would not accept the return")[1].split("Queries")[0]
    assert "1105 The child protection plan start date cannot be before the referral date" in errors
    assert "Jade Carter (child PF31)" in errors
    assert "Child protection plan start date: 10 April 2025" in errors
    assert "Referral date: 14 April 2025" in errors
    html = analyst.get(r["Location"]).content.decode()
    assert f'href="{reverse("family", args=["F3"])}"' in html
    xml = analyst.get(reverse("cin_download", args=["2025-26"]))
    assert xml.status_code == 200 and b"<LEA>838</LEA>" in b"".join(xml.streaming_content)
    assert (
        AuditEntry.objects.filter(action="create", object_type="Children in Need census").count()
        == 1
    )
    assert AuditEntry.objects.filter(action="download", object_id="2025-26").count() == 1
    assert (tmp_path / "returns" / "cin-2025-26.xml").is_file()


@pytest.mark.django_db
def test_bad_input_on_the_page_is_said_and_writes_nothing(tmp_path: Path, settings: Any) -> None:
    settings.WORKSPACE = tmp_path
    analyst = client_for(user("analyst", Role.ANALYST))
    page = reverse("cin_census")
    for posted, needle in (
        ({"year": "2025-27"}, "is not one year"),
        ({}, "Enter the collection year, such as 2025-26"),
    ):
        r = analyst.post(page, posted)
        text = visible_text(r.content.decode())
        assert r.status_code == 200 and "There is a problem" in text and needle in text
    (tmp_path / "census.yaml").write_text("closure_reasons:\n  Moved: RC10\n", encoding="utf-8")
    text = html.unescape(visible_text(analyst.post(page, {"year": "2025-26"}).content.decode()))
    assert "There is a problem" in text and "'RC10', which is not a census reason" in text
    assert not (tmp_path / "returns").exists() or not list((tmp_path / "returns").iterdir())
    assert services.stored_report(parse_year("2025-26"), tmp_path) is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MANAGER, Role.KEY_WORKER, Role.PARTNER, Role.DPO])
def test_only_analysts_reach_the_returns(role: str, tmp_path: Path, settings: Any) -> None:
    settings.WORKSPACE = tmp_path
    someone = client_for(user("someone", role))
    pages = ("returns", "cin_census")
    for url in [*(reverse(p) for p in pages), reverse("cin_download", args=["2025-26"])]:
        assert someone.get(url).status_code == 404
    assert someone.post(reverse("cin_census"), {"year": "2025-26"}).status_code == 404
    assert not (tmp_path / "returns").exists()
    assert AuditEntry.objects.filter(action="denied", username="someone").count() == 4
    analyst = client_for(user("analyst", Role.ANALYST))
    text = visible_text(analyst.get(reverse("returns")).content.decode())
    assert "Children in Need census" in text
    assert "Statutory returns" in visible_text(analyst.get("/").content.decode())


@pytest.mark.django_db
def test_a_code_the_census_lacks_is_one_line_unless_the_council_maps_it() -> None:
    from wholefamily.web.familyhelp.models import Request

    mgr = user("fhmanager", Role.MANAGER)
    f = family("F1", consent="given")
    r = fh.record_request(f, [kid(f)], d("2025-06-02"), "3A", "GP worried.", mgr)
    fh.decide(r, Decision.NFA, d("2025-06-04"), mgr)
    Request.objects.filter(pk=r.pk).update(source="GPX")  # a record from elsewhere
    with pytest.raises(ValueError) as e:
        list(children_for_year("2025-26"))
    assert str(e.value).startswith("the request received 2 June 2025: 'GPX' is not a census")
    (child,) = children_for_year("2025-26", names=Names(referral_sources={"gpx": "3A"}))
    assert child.episodes[0].referral_source == "3A"
