"""Family Network Support Packages: eligibility, approval by limit, the budgets and the
append-only ledger, payments due (weekly and monthly, across month and year ends), the
finance export, and two managers deciding at once. Runs on SQLite and, in .ci/run, on
PostgreSQL."""

from __future__ import annotations

import csv
import subprocess
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from test_census_from_cases import _database_env
from test_cli import WF, assert_one_line_error
from webkit import client_for, date_fields, family, user
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp.models import ChildLevel, Episode, Level
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.networks.models import Meeting, NetworkMember, NoNetwork, PlanItem
from wholefamily.web.payments import access
from wholefamily.web.payments import services as S
from wholefamily.web.payments.models import Budget, Group, Kind, LedgerEntry, Package, State
from wholefamily.web.payments.money import BadAmount, pence, pounds, year_of
from wholefamily.web.protection.models import Plan

YEAR = "2026/27"
START = date(2026, 6, 1)


def setting_up() -> dict[str, Any]:
    """A family of Casterbridge's team at child protection level, led by Kim (a key
    worker), with Mary (its grandmother) in its network and a family group conference
    whose plan identified a sofa bed; a £1,000 FNSP budget for 2026/27."""
    team = Team.objects.create(name="Casterbridge family support", district="Casterbridge")
    other = Team.objects.create(name="Weyford family support", district="Weyford")
    kim = user("kim", Role.KEY_WORKER, team)
    morgan = user("morgan", Role.MANAGER, team)
    robin = user("robin", Role.MANAGER, team)
    olly = user("olly", Role.MANAGER, other)
    head = user("hilary", Role.HEAD_OF_SERVICE)
    analyst = user("alex", Role.ANALYST)
    fam = family("F1", key_worker=kim, team=team)
    child = Person.objects.get(person_id="PF11")
    episode = Episode.objects.create(family=fam, opened_on=date(2026, 4, 1), lead=kim)
    level = ChildLevel.objects.create(
        episode=episode, child=child, level=Level.CP, started_on=date(2026, 4, 1), lead=kim, by=kim
    )
    mary = NetworkMember.objects.create(
        family=fam, name="Mary Carter", kind="relative", added_on=date(2026, 4, 2), by=kim
    )
    meeting = Meeting.objects.create(
        family=fam, kind="conference", coordinator="Jo Bloggs", held_on=date(2026, 5, 1),
        outcome="plan", by=kim,
    )  # fmt: skip
    PlanItem.objects.create(
        meeting=meeting, member=mary, what="Jade stays at weekends", by_when=date(2026, 6, 1),
        support_needed="A sofa bed",
    )  # fmt: skip
    budget = S.set_budget(YEAR, "Casterbridge", Group.FNSP, 100000, head)
    return locals()


@pytest.fixture
def w(db: Any) -> dict[str, Any]:
    return setting_up()


def propose(w: dict[str, Any], amount: str = "250.00", **kw: Any) -> Package:
    args: dict[str, Any] = {
        "family": w["fam"], "child": w["child"], "payee": w["mary"], "purpose": "furniture",
        "what": "A sofa bed", "amount": pence(amount), "frequency": "one_off",
        "starts_on": START, "ends_on": None, "budget": w["budget"], "by": w["kim"],
        "meeting": w["meeting"],
    }  # fmt: skip
    args.update(kw)
    return S.propose(**args)


def unmet(conditions: list[S.Condition]) -> list[str]:
    return [c.name for c in conditions if not c.met]


# --- Eligibility ------------------------------------------------------------------------


def test_all_three_conditions_met(w: dict[str, Any]) -> None:
    conditions = S.eligibility(w["fam"], w["child"], w["meeting"])
    assert unmet(conditions) == []
    assert "Jade Carter is at the child protection level" in conditions[0].words
    assert conditions[1].words == "Kim Tester"
    assert "A sofa bed (Mary Carter)" in conditions[2].words


def test_targeted_help_alone_is_not_a_plan_but_a_child_protection_plan_is(
    w: dict[str, Any],
) -> None:
    ChildLevel.objects.filter(pk=w["level"].pk).update(level=Level.TARGETED)
    assert unmet(S.eligibility(w["fam"], w["child"]))[0].startswith("An open Family Help plan")
    with pytest.raises(Refused, match="not at the child in need or child protection level"):
        propose(w)
    assert not Package.objects.exists()
    Plan.objects.create(
        episode=w["episode"], child=w["child"], started_on=date(2026, 4, 5),
        initial_category="NEG", latest_category="NEG", by=w["kim"],
    )  # fmt: skip
    assert unmet(S.eligibility(w["fam"], w["child"])) == []
    assert propose(w).state == State.PROPOSED


def test_no_open_episode_means_no_plan_and_no_lead(w: dict[str, Any]) -> None:
    Episode.objects.filter(pk=w["episode"].pk).update(closed_on=date(2026, 5, 30))
    names = unmet(S.eligibility(w["fam"], w["child"], w["meeting"]))
    assert names == [
        "An open Family Help plan (child in need or child protection) or child protection plan",
        "A named lead practitioner",
    ]
    with pytest.raises(Refused, match="lead practitioner"):
        propose(w)
    assert not Package.objects.exists()


def test_a_lead_practitioner_who_has_left_is_missing(w: dict[str, Any]) -> None:
    w["kim"].is_active = False
    w["kim"].save()
    c = S.eligibility(w["fam"], w["child"], w["meeting"])[1]
    assert not c.met and "has left" in c.words


def test_no_meeting_that_identified_support_then_the_no_network_reason(
    w: dict[str, Any],
) -> None:
    PlanItem.objects.update(support_needed="")
    third = S.eligibility(w["fam"], w["child"])[2]
    assert not third.met and "no family group decision-making meeting" in third.words
    with pytest.raises(Refused, match="identified no support"):
        propose(w)
    none = NoNetwork.objects.create(
        family=w["fam"], on=date(2026, 5, 2), reason="The family has moved here alone", by=w["kim"]
    )
    third = S.eligibility(w["fam"], w["child"], no_network=none)[2]
    assert third.met and "moved here alone" in third.words
    p = propose(w, meeting=None, no_network=none)
    assert p.no_network == none and Package.objects.count() == 1


def test_only_the_lead_practitioner_proposes(w: dict[str, Any]) -> None:
    with pytest.raises(Refused, match="Only the lead practitioner"):
        propose(w, by=w["morgan"])
    assert not Package.objects.exists()


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("-5", "more than £0"),
        ("0", "more than £0"),
        ("ten pounds", "a number of pounds"),
        ("12.345", "at most 2 decimal places"),
        ("", "Enter the amount"),
        ("nan", "a number of pounds"),
    ],
)
def test_bad_amounts_are_refused_in_words(text: str, needle: str) -> None:
    with pytest.raises(BadAmount, match=needle):
        pence(text)


def test_amounts_are_exact_pence() -> None:
    assert pence("0.10") + pence("0.20") == pence("0.30") == 30
    assert pence("£1,234.5") == 123450
    assert pounds(123450) == "£1,234.50" and pounds(-1200) == "−£12.00"


def test_a_recurring_package_needs_an_end(w: dict[str, Any]) -> None:
    with pytest.raises(Refused, match="A weekly package needs the date it ends") as e:
        propose(w, frequency="weekly")
    assert e.value.field == "ends_on"
    with pytest.raises(Refused, match="same as or after the start"):
        propose(w, frequency="monthly", ends_on=date(2026, 5, 1))
    assert not Package.objects.exists()


def test_a_payee_not_in_the_network(w: dict[str, Any]) -> None:
    stranger_family = family("F2", team=w["team"])
    stranger = NetworkMember.objects.create(
        family=stranger_family, name="Ann Other", kind="friend", added_on=START, by=w["kim"]
    )
    with pytest.raises(Refused, match="Ann Other is not a current member") as e:
        propose(w, payee=stranger)
    assert e.value.field == "payee"
    NetworkMember.objects.filter(pk=w["mary"].pk).update(ended_on=date(2026, 5, 20))
    w["mary"].refresh_from_db()
    with pytest.raises(Refused, match="Mary Carter is not a current member"):
        propose(w)
    assert not Package.objects.exists()


def test_a_budget_for_a_district_that_does_not_exist(w: dict[str, Any]) -> None:
    with pytest.raises(Refused, match="no district called 'Atlantis'") as e:
        S.set_budget(YEAR, "Atlantis", Group.FNSP, 100000, w["head"])
    assert e.value.field == "district"
    with pytest.raises(Refused, match="financial year is written like 2026/27"):
        S.set_budget("2026/28", "Casterbridge", Group.COMMISSIONED, 100, w["head"])
    with pytest.raises(Refused, match="already has a 2026/27 budget"):
        S.set_budget(YEAR, "Casterbridge", Group.FNSP, 100, w["head"])
    with pytest.raises(Refused, match="Only the head of service"):
        S.set_budget(YEAR, "Weyford", Group.FNSP, 100, w["morgan"])
    assert Budget.objects.count() == 1


def test_a_budget_of_another_year_or_district(w: dict[str, Any]) -> None:
    weyford = S.set_budget(YEAR, "Weyford", Group.FNSP, 100000, w["head"])
    with pytest.raises(Refused, match="budget for Casterbridge"):
        propose(w, budget=weyford)
    with pytest.raises(Refused, match="draws on the 2027/28 budget"):
        propose(w, starts_on=date(2027, 4, 1))
    assert not Package.objects.exists()


# --- Approval by limit ------------------------------------------------------------------


def test_a_manager_approves_exactly_at_the_limit(w: dict[str, Any], settings: Any) -> None:
    settings.WHOLEFAMILY_FNSP_MANAGER_LIMIT = "500.00"
    p = S.decide(propose(w, "500.00"), True, w["morgan"], today=START)
    assert p.state == State.APPROVED and p.decided_by == w["morgan"]
    entry = LedgerEntry.objects.get(package=p)
    assert (entry.kind, entry.pence, entry.budget) == (Kind.COMMITMENT, 50000, w["budget"])


def test_a_penny_over_the_limit_needs_the_head_of_service(w: dict[str, Any], settings: Any) -> None:
    settings.WHOLEFAMILY_FNSP_MANAGER_LIMIT = "500.00"
    p = propose(w, "500.01")
    with pytest.raises(Refused, match=r"above a team manager’s limit of £500\.00"):
        S.decide(p, True, w["morgan"], seen=0)
    p.refresh_from_db()
    assert p.state == State.PROPOSED and p.version == 0 and not LedgerEntry.objects.exists()
    assert S.decide(p, True, w["head"], seen=0).state == State.APPROVED
    assert LedgerEntry.objects.get().pence == 50001


def test_a_recurring_package_counts_its_whole_value(w: dict[str, Any], settings: Any) -> None:
    settings.WHOLEFAMILY_FNSP_MANAGER_LIMIT = "500.00"
    # £100 a week for 6 weeks: £600 against the limit, though each payment is £100.
    p = propose(w, "100", frequency="weekly", ends_on=date(2026, 7, 6))
    assert S.total(p) == 60000
    with pytest.raises(Refused, match=r"its whole value, £600\.00"):
        S.decide(p, True, w["morgan"])
    assert not LedgerEntry.objects.exists()


def test_the_limit_comes_from_settings(w: dict[str, Any], settings: Any) -> None:
    settings.WHOLEFAMILY_FNSP_MANAGER_LIMIT = "1000"
    assert S.decide(propose(w, "600"), True, w["morgan"]).state == State.APPROVED


def test_nobody_approves_their_own_request(w: dict[str, Any]) -> None:
    # Morgan, a team manager, leads this family's Family Help and proposes.
    Episode.objects.filter(pk=w["episode"].pk).update(lead=w["morgan"])
    p = propose(w, "50", by=w["morgan"])
    with pytest.raises(Refused, match="You proposed this package"):
        S.decide(p, True, w["morgan"])
    p.refresh_from_db()
    assert p.state == State.PROPOSED and not LedgerEntry.objects.exists()


def test_a_manager_of_another_team_cannot_decide(w: dict[str, Any]) -> None:
    p = propose(w, "50")
    for approve in (True, False):
        with pytest.raises(Refused, match="team manager of the family’s team"):
            S.decide(p, approve, w["olly"], reason="No")
    p.refresh_from_db()
    assert p.state == State.PROPOSED and not LedgerEntry.objects.exists()


def test_a_refusal_needs_a_reason_and_commits_nothing(w: dict[str, Any]) -> None:
    p = propose(w, "50")
    with pytest.raises(Refused, match="Say why"):
        S.decide(p, False, w["morgan"])
    p = S.decide(p, False, w["morgan"], reason="A friend has offered one")
    assert p.state == State.REFUSED and p.refusal == "A friend has offered one"
    assert not LedgerEntry.objects.exists()
    assert S.record_payments(date(2026, 12, 31), w["head"], today=date(2027, 1, 1)) == []


def test_a_decision_on_a_stale_page_is_refused(w: dict[str, Any]) -> None:
    p = propose(w, "50")
    S.decide(p, True, w["morgan"], seen=0)
    with pytest.raises(Refused, match="it is now approved by Morgan Tester"):
        S.decide(p, False, w["robin"], seen=0, reason="Too late")
    assert LedgerEntry.objects.count() == 1


# --- Overspend --------------------------------------------------------------------------


def test_an_approval_that_would_overspend_needs_the_head_of_service(
    w: dict[str, Any], settings: Any
) -> None:
    settings.WHOLEFAMILY_FNSP_MANAGER_LIMIT = "500.00"
    S.decide(propose(w, "400"), True, w["morgan"])
    S.decide(propose(w, "400"), True, w["morgan"])
    third = propose(w, "300")
    pos = S.position(w["budget"])
    assert (pos.committed, pos.paid, pos.remaining) == (80000, 0, 20000)
    assert S.needs_head(third) == [
        "it would overspend the budget (£200.00 remaining, £100.00 over)"
    ]
    with pytest.raises(
        Refused, match="head of service must approve this package: it would overspend"
    ):
        S.decide(third, True, w["morgan"])
    assert S.position(w["budget"]).committed == 80000
    S.decide(third, True, w["head"])
    assert S.position(w["budget"]).remaining == -10000


# --- Payments ---------------------------------------------------------------------------


def test_monthly_payments_across_month_ends_and_a_leap_february() -> None:
    assert S.due_dates("monthly", date(2027, 1, 31), date(2027, 5, 31)) == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
        date(2027, 5, 31),
    ]  # fmt: skip
    assert S.due_dates("monthly", date(2028, 1, 30), date(2028, 3, 29)) == [
        date(2028, 1, 30), date(2028, 2, 29),
    ]  # fmt: skip
    assert S.due_dates("one_off", date(2027, 1, 31), None) == [date(2027, 1, 31)]


def test_weekly_payments_across_a_year_end() -> None:
    assert S.due_dates("weekly", date(2026, 12, 18), date(2027, 1, 8)) == [
        date(2026, 12, 18), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 8),
    ]  # fmt: skip
    assert year_of(date(2027, 3, 31)) == "2026/27" and year_of(date(2027, 4, 1)) == "2027/28"


def test_payments_due_are_recorded_once_across_a_month_end_and_a_year_end(
    w: dict[str, Any],
) -> None:
    p = propose(
        w, "40", frequency="monthly", starts_on=date(2026, 10, 31), ends_on=date(2027, 2, 28)
    )
    S.decide(p, True, w["morgan"])
    today = date(2027, 3, 1)
    made = S.record_payments(date(2027, 1, 15), w["head"], today=today)
    assert [e.due_on for e in made] == [
        date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31),
    ]  # fmt: skip
    assert S.record_payments(date(2027, 1, 15), w["head"], today=today) == []
    later = S.record_payments(date(2027, 2, 28), w["head"], today=today)
    assert [e.due_on for e in later] == [date(2027, 1, 31), date(2027, 2, 28)]
    refs = list(LedgerEntry.objects.filter(kind=Kind.PAYMENT).values_list("reference", flat=True))
    assert len(refs) == len(set(refs)) == 5
    pos = S.position(w["budget"])
    assert (pos.committed, pos.paid) == (20000, 20000)
    with pytest.raises(Refused, match="after today"):
        S.record_payments(date(2027, 3, 2), w["head"], today=today)


def test_a_reversing_entry_corrects_a_payment(w: dict[str, Any]) -> None:
    p = S.decide(propose(w, "120"), True, w["morgan"])
    (paid,) = S.record_payments(START, w["head"], today=START)
    back = S.reverse(paid, w["head"], "Paid to the wrong account", today=START)
    assert (back.kind, back.pence, back.reverses, back.reference) == (
        Kind.PAYMENT, -12000, paid, f"{paid.reference}-R",
    )  # fmt: skip
    paid.refresh_from_db()
    assert paid.pence == 12000  # the entry itself is as it was
    pos = S.position(w["budget"])
    assert (pos.committed, pos.paid) == (12000, 0)
    # The due date stays paid once: recording again does not pay it a second time.
    assert S.record_payments(START, w["head"], today=START) == []
    with pytest.raises(Refused, match="already reversed"):
        S.reverse(paid, w["head"], "Again")
    with pytest.raises(Refused, match="cannot itself be reversed"):
        S.reverse(back, w["head"], "Undo")
    with pytest.raises(Refused, match="Only the head of service or a programme analyst"):
        S.reverse(LedgerEntry.objects.get(package=p, kind=Kind.COMMITMENT), w["morgan"], "x")


def test_reversing_a_commitment_stops_the_payments(w: dict[str, Any]) -> None:
    p = propose(w, "10", frequency="weekly", ends_on=date(2026, 6, 29))
    S.decide(p, True, w["morgan"])
    commitment = LedgerEntry.objects.get(package=p, kind=Kind.COMMITMENT)
    S.reverse(commitment, w["head"], "The family moved away", today=START)
    assert S.record_payments(date(2026, 7, 1), w["head"], today=date(2026, 7, 1)) == []
    assert S.position(w["budget"]).committed == 0


# --- The database refuses to change the ledger -------------------------------------------


def _raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)


def test_the_database_refuses_to_change_or_delete_a_ledger_entry(w: dict[str, Any]) -> None:
    S.decide(propose(w, "75"), True, w["morgan"])
    entry = LedgerEntry.objects.get()
    with pytest.raises(DatabaseError, match="never changed or deleted"):
        _raw("UPDATE payments_ledgerentry SET pence = 1 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="never changed or deleted"):
        _raw("DELETE FROM payments_ledgerentry WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(reason="edited")
    entry.refresh_from_db()
    assert (entry.pence, entry.reason) == (7500, "")


# --- The finance export -------------------------------------------------------------------


def export_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WF, "payments", "export", *args],
        capture_output=True, text=True, check=False, timeout=300, env=_database_env(),
    )  # fmt: skip


@pytest.mark.parametrize("year", ["2026", "2026/28", "26/27", "next year"])
def test_the_export_refuses_a_bad_year(year: str, tmp_path: Path) -> None:
    res = export_cli("--year", year, "--out", str(tmp_path / "x.csv"), "--workspace", str(tmp_path))
    assert_one_line_error(res, "financial year is written like 2026/27")
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("flush_past_triggers")
def test_the_export_matches_the_ledger_per_budget(tmp_path: Path) -> None:
    w = setting_up()
    weyford = Family.objects.create(family_id="F9", district="Weyford", team=w["other"])
    assert weyford.district in S.known_districts()
    second = S.set_budget(YEAR, "Casterbridge", Group.FAMILY_SUPPORT, 50000, w["head"])
    # Two packages on the FNSP budget (one weekly), one reversed payment.
    a = S.decide(
        propose(w, "33.33", frequency="weekly", ends_on=date(2026, 6, 29)), True, w["morgan"]
    )
    b = S.decide(propose(w, "0.10"), True, w["morgan"])
    made = S.record_payments(date(2026, 7, 31), w["analyst"], today=date(2026, 8, 1))
    assert len(made) == 6 and {e.package_id for e in made} == {a.pk, b.pk}
    S.reverse(made[0], w["head"], "Returned by the bank", today=date(2026, 8, 1))
    assert second.entries.count() == 0
    out = tmp_path / "finance.csv"
    res = export_cli("--year", YEAR, "--out", str(out), "--workspace", str(tmp_path))
    assert res.returncode == 0, res.stderr
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "payment_reference", "date", "payee", "purpose", "budget", "amount", "approver"
    ]  # fmt: skip
    refs = [r["payment_reference"] for r in rows]
    assert len(refs) == len(set(refs)) == 7
    assert all(len(r["amount"].split(".")[1]) == 2 for r in rows)
    per_budget: dict[str, Decimal] = {}
    for r in rows:
        per_budget[r["budget"]] = per_budget.get(r["budget"], Decimal(0)) + Decimal(r["amount"])
    ledger = {
        str(bud): Decimal(S.position(bud).paid) / 100
        for bud in Budget.objects.filter(year=YEAR)
        if S.position(bud).paid or bud.entries.filter(kind=Kind.PAYMENT).exists()
    }
    assert per_budget == ledger == {str(w["budget"]): Decimal("133.42")}
    assert {r["approver"] for r in rows} == {"Morgan Tester"}
    assert {r["payee"] for r in rows} == {"Mary Carter"}
    assert "£133.42" in res.stdout
    # Nothing for another year.
    res = export_cli("--year", "2027/28", "--out", str(out), "--workspace", str(tmp_path))
    assert res.returncode == 0 and out.read_text().count("\n") == 1


# --- Two managers at once -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("flush_past_triggers")
def test_two_managers_approving_at_once_one_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    w = setting_up()
    p = propose(w, "90")
    barrier = threading.Barrier(2, timeout=30)
    checked = access.may_decide

    def held(user: Any, fam: Any) -> bool:
        ok = checked(user, fam)
        barrier.wait()  # both have passed every check made before writing
        return ok

    monkeypatch.setattr(access, "may_decide", held)
    results: dict[str, Any] = {}

    def approve(who: Any) -> None:
        try:
            results[who.username] = S.decide(Package.objects.get(pk=p.pk), True, who, seen=0)
        except Refused as refusal:
            results[who.username] = refusal
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (w["morgan"], w["robin"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    refusals = [r for r in results.values() if isinstance(r, Refused)]
    approvals = [r for r in results.values() if isinstance(r, Package)]
    assert len(refusals) == 1 and len(approvals) == 1, results
    winner = approvals[0].decided_by.get_full_name()
    assert f"it is now approved by {winner}" in refusals[0].message
    assert LedgerEntry.objects.filter(package=p).count() == 1
    assert S.position(w["budget"]).committed == 9000
    S.record_payments(START, w["head"], today=START)
    assert LedgerEntry.objects.filter(package=p, kind=Kind.PAYMENT).count() == 1


# --- Pages ------------------------------------------------------------------------------


def package_post(w: dict[str, Any], **kw: str) -> dict[str, str]:
    data = {
        "child": str(w["child"].pk), "payee": str(w["mary"].pk), "purpose": "furniture",
        "what": "A sofa bed", "amount": "250.00", "frequency": "one_off",
        "budget": str(w["budget"].pk), "basis": f"meeting:{w['meeting'].pk}",
        **date_fields("starts_on", START),
    }  # fmt: skip
    data.update(kw)
    return data


def test_the_section_shows_eligibility_and_packages_in_words(w: dict[str, Any]) -> None:
    S.decide(propose(w, "1234.50"), True, w["head"])
    page = client_for(w["kim"]).get(reverse("family_payments", args=["F1"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Met" in html and "Kim Tester" in html and "A sofa bed (Mary Carter)" in html
    assert "£1,234.50" in html and "Approved" in html and "1 June 2026" in html
    assert "Request a support package" in html
    assert "furniture" not in html.replace("Furniture", "")  # the word, not the code
    # A manager of another team does not see the family at all.
    assert client_for(w["olly"]).get(reverse("family_payments", args=["F1"])).status_code == 404


def test_the_request_form_refuses_bad_input_and_saves_nothing(w: dict[str, Any]) -> None:
    c = client_for(w["kim"])
    url = reverse("payments_request", args=["F1"])
    stranger = NetworkMember.objects.create(
        family=family("F2"), name="Ann Other", kind="friend", added_on=START, by=w["kim"]
    )
    for bad, needle in [
        ({"amount": "-5"}, "The amount must be more than £0"),
        ({"amount": "lots"}, "The amount must be a number of pounds"),
        ({"frequency": "weekly"}, "A weekly package needs the date it ends"),
        ({"payee": str(stranger.pk)}, "Choose a current member of the family’s network"),
    ]:
        page = c.post(url, package_post(w, **bad))
        assert page.status_code == 200 and "There is a problem" in page.content.decode()
        assert needle in page.content.decode(), needle
    assert not Package.objects.exists()
    page = c.post(url, package_post(w))
    assert page.status_code == 302 and Package.objects.count() == 1


def test_the_decide_page_shows_the_budget_and_who_must_approve(
    w: dict[str, Any], settings: Any
) -> None:
    settings.WHOLEFAMILY_FNSP_MANAGER_LIMIT = "500.00"
    p = propose(w, "600")
    c = client_for(w["morgan"])
    url = reverse("payments_decide", args=["F1", p.pk])
    html = c.get(url).content.decode()
    assert "Remaining if approved" in html and "£400.00" in html and "£1,000.00" in html
    assert "Only the head of service can approve this package" in html
    page = c.post(url, {"decision": "approve", "version": "0"})
    assert "limit of £500.00" in page.content.decode()
    assert not LedgerEntry.objects.exists()
    page = client_for(w["head"]).post(url, {"decision": "approve", "version": "0"})
    assert page.status_code == 302 and LedgerEntry.objects.count() == 1
    # Kim, the key worker who proposed, may not open the decision page.
    assert client_for(w["kim"]).get(url).status_code == 404


def test_the_budgets_page_and_its_actions(w: dict[str, Any]) -> None:
    S.decide(propose(w, "250"), True, w["morgan"])
    html = client_for(w["morgan"]).get(reverse("budgets") + "?year=2026/27").content.decode()
    assert "Casterbridge: Family Network Support Packages" in html
    assert "£250.00" in html and "£750.00" in html
    assert client_for(w["kim"]).get(reverse("budgets")).status_code == 404
    head = client_for(w["head"])
    page = head.post(
        reverse("budgets_set"),
        {"year": YEAR, "district": "Atlantis", "group": "commissioned", "amount": "100"},
    )
    assert "no district called" in page.content.decode() and Budget.objects.count() == 1
    page = head.post(reverse("budgets_record"), date_fields("up_to", date.today()))
    assert page.status_code == 302
    assert LedgerEntry.objects.filter(kind=Kind.PAYMENT).count() == 1
