"""The Children in Need census return: year, codes, records, the XML, and the DfE's rules.

The tests that run the DfE's validator (csc-validator-be-cin, in `.venv-cin`, built by
`make setup`) take a few seconds each; they fail, not skip, when it is missing.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from wholefamily import __version__
from wholefamily.returns.cin import (
    Assessment,
    Child,
    CINEpisode,
    CINPlan,
    CPPlan,
    Report,
    Section47,
    ValidatorError,
    codes,
    parse_year,
    validate_file,
    write_and_validate,
    write_return,
)
from wholefamily.returns.cin.validate import VENV_ENV, compare_readers

YEAR = parse_year("2025-26")
LA = "885"
d = date.fromisoformat


def upn(digits12: str) -> str:
    """A UPN with the check letter the DfE defines (weights 2-13, remainder of 23)."""
    total = sum(int(c) * w for c, w in zip(digits12, range(2, 14), strict=True)) % 23
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[total] + digits12


# --- The constructed county: every kind of case the census has -----------------------


def nfa() -> list[Child]:
    return [
        Child(
            "NFA1", "F", "WBRI", birth_date=d("2014-03-10"), upn=upn("885000000001"),
            episodes=(CINEpisode(d("2025-06-02"), "3A", referral_nfa=True,
                                 closure_date=d("2025-06-02"), closure_reason="RC7"),),
        ),
        Child(
            "NFA2", "M", "APKN", birth_date=d("2017-09-01"), upn_unknown="UN7",
            episodes=(CINEpisode(d("2025-09-15"), "9", referral_nfa=True),),
        ),
    ]  # fmt: skip


def assessed_and_planned() -> list[Child]:
    return [
        # Assessed, nothing more to do: closed after assessment.
        Child(
            "ASSESS1", "F", "MWBC", birth_date=d("2011-01-20"), upn=upn("885000000002"),
            episodes=(CINEpisode(
                d("2025-04-07"), "2A", primary_need="N4", closure_date=d("2025-06-30"),
                closure_reason="RC8",
                assessments=(Assessment(d("2025-04-08"), d("2025-05-20"), ("4B", "2B")),),
            ),),
        ),
        # Assessed, on a CIN plan on 31 March.
        Child(
            "CINPLAN1", "M", "WOTH", birth_date=d("2013-06-11"), upn=upn("885000000003"),
            disabilities=("MOB", "LD"),
            episodes=(CINEpisode(
                d("2025-07-01"), "1A", primary_need="N2",
                assessments=(Assessment(d("2025-07-02"), d("2025-08-12"), ("6A",)),),
                cin_plans=(CINPlan(d("2025-08-20")),),
            ),),
        ),
        # Still being assessed on 31 March.
        Child(
            "OPENASSESS", "F", "BAFR", birth_date=d("2022-02-14"), upn_unknown="UN1",
            episodes=(CINEpisode(d("2026-03-02"), "5D", primary_need="N5",
                                 assessments=(Assessment(d("2026-03-03")),)),),
        ),
        # Open since before the year; its CIN plan ended and the case closed in it.
        Child(
            "CLOSED1", "M", "WBRI", birth_date=d("2010-08-30"), upn=upn("885000000004"),
            episodes=(CINEpisode(
                d("2024-11-04"), "5A", primary_need="N3", closure_date=d("2025-06-13"),
                closure_reason="RC4", cin_plans=(CINPlan(d("2024-12-10"), d("2025-05-30")),),
            ),),
        ),
        # A section 47 enquiry that needed no conference, then closed.
        Child(
            "S47NR", "M", "CHNE", birth_date=d("2012-12-01"), upn=upn("885000000005"),
            episodes=(CINEpisode(
                d("2025-09-01"), "2A", primary_need="N6", closure_date=d("2025-11-03"),
                closure_reason="RC7",
                assessments=(Assessment(d("2025-09-02"), d("2025-10-14"), ("14A",)),),
                section47s=(Section47(d("2025-09-03"), icpc_not_required=True),),
            ),),
        ),
    ]  # fmt: skip


def protection() -> list[Child]:
    return [
        # s47, ICPC, CP plan with two reviews, stepped down to a CIN plan on its last day.
        Child(
            "CP1", "F", "BCRB", birth_date=d("2016-02-03"), upn=upn("885000000006"),
            disabilities=("HEAR", "VIS"),
            episodes=(CINEpisode(
                d("2025-04-14"), "6", primary_need="N1",
                assessments=(Assessment(d("2025-04-15"), d("2025-05-27"), ("3B", "16A", "1B")),),
                section47s=(Section47(d("2025-04-15"), d("2025-05-08"), d("2025-05-06")),),
                cp_plans=(CPPlan(d("2025-05-06"), "NEG", "MUL", 0, end=d("2026-02-10"),
                                 reviews=(d("2025-07-29"), d("2026-01-27"))),),
                cin_plans=(CINPlan(d("2026-02-10")),),
            ),),
        ),
        # A repeat plan: a plan from last year ended and closed, then a second plan.
        Child(
            "CP2", "M", "WIRT", birth_date=d("2015-05-05"), upn=upn("885000000007"),
            episodes=(
                CINEpisode(
                    d("2024-09-02"), "5D", primary_need="N1", closure_date=d("2025-07-15"),
                    closure_reason="RC7",
                    cp_plans=(CPPlan(d("2024-10-01"), "NEG", "NEG", 0, end=d("2025-06-30"),
                                     reviews=(d("2025-06-03"),)),),
                ),
                CINEpisode(
                    d("2025-10-06"), "6", primary_need="N1",
                    assessments=(Assessment(d("2025-10-07"), d("2025-11-18"), ("17A", "3A")),),
                    section47s=(Section47(d("2025-10-07"), d("2025-10-28"), d("2025-10-27")),),
                    cp_plans=(CPPlan(d("2025-10-27"), "EMO", "EMO", 1,
                                     reviews=(d("2026-01-20"),)),),
                ),
            ),
        ),
        # On a plan since before the year (its enquiry was in the last census).
        Child(
            "CP3", "F", "AOTH", birth_date=d("2019-07-07"), upn=upn("885000000008"),
            episodes=(CINEpisode(
                d("2025-01-06"), "3E", primary_need="N1",
                cp_plans=(CPPlan(d("2025-02-03"), "PHY", "SAB", 2,
                                 reviews=(d("2025-04-29"), d("2025-10-28"))),),
            ),),
        ),
        # Unborn: a pre-birth conference and plan.
        Child(
            "UNBORN1", "U", "NOBT", expected_birth_date=d("2026-05-20"), upn_unknown="UN1",
            episodes=(CINEpisode(
                d("2025-11-03"), "3B", primary_need="N1",
                assessments=(Assessment(d("2025-11-04"), d("2025-12-16"), ("2B", "3B")),),
                section47s=(Section47(d("2025-11-04"), d("2025-11-25"), d("2025-11-25")),),
                cp_plans=(CPPlan(d("2025-11-25"), "NEG", "NEG", 0),),
            ),),
        ),
    ]  # fmt: skip


def code_sweep() -> list[Child]:
    """Children that use every census code of every list (so the DfE's rules see each)."""
    sources = list(codes.REFERRAL_SOURCE)
    ethnicities = list(codes.ETHNICITY)
    disabilities = [c for c in codes.DISABILITY if c != "NONE"]
    needs = list(codes.PRIMARY_NEED)
    reasons = list(codes.REASON_FOR_CLOSURE)
    factors = [c for c in codes.ASSESSMENT_FACTOR if c != "21"]
    unknown = ["UN2", "UN3", "UN4", "UN5", "UN6"]
    n = len(sources)
    out = []
    for i in range(n):
        referral = d("2025-05-01") + timedelta(days=i)
        done = referral + timedelta(days=31)
        closed = done + timedelta(days=14)
        reason = reasons[i % len(reasons)]
        chunk = tuple(factors[i :: n - 1]) if i < n - 1 else ("21",)  # 21 stands alone (8869)
        if chunk == ("21",):
            reason = "RC8"
        out.append(
            Child(
                f"SWEEP{i:02d}",
                "MF"[i % 2],
                ethnicities[i % len(ethnicities)],
                birth_date=d("2012-01-01") + timedelta(days=40 * i),
                upn=None if i < len(unknown) else upn(f"8851000000{i:02d}"),
                upn_unknown=unknown[i] if i < len(unknown) else None,
                death_date=closed if reason == "RC2" else None,
                disabilities=(disabilities[i],) if i < len(disabilities) else ("NONE",),
                episodes=(
                    CINEpisode(
                        referral,
                        sources[i],
                        primary_need=needs[i % len(needs)],
                        closure_date=closed,
                        closure_reason=reason,
                        assessments=(Assessment(referral + timedelta(days=1), done, chunk),),
                    ),
                ),
            )
        )
    return out


def county() -> list[Child]:
    return nfa() + assessed_and_planned() + protection() + code_sweep()


def test_the_constructed_county_uses_every_code() -> None:
    children = county()
    episodes = [e for c in children for e in c.episodes]
    used = {
        "referral source": {e.referral_source for e in episodes},
        "primary need": {e.primary_need for e in episodes},
        "reason for closure": {e.closure_reason for e in episodes},
        "assessment factor": {f for e in episodes for a in e.assessments for f in a.factors},
        "category of abuse": {
            c for e in episodes for p in e.cp_plans for c in (p.initial_category, p.latest_category)
        },
        "ethnicity": {c.ethnicity for c in children},
        "disability": {x for c in children for x in c.disabilities},
        "sex": {c.sex for c in children},
        "UPN unknown reason": {c.upn_unknown for c in children},
    }
    for kind, codes_used in used.items():
        assert set(codes.LISTS[kind]) <= codes_used, kind


# --- Validated by the DfE's rules -------------------------------------------------------


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    out = tmp_path_factory.mktemp("cin") / "cin-2025-26.xml"
    return out, write_and_validate(county(), LA, "2025-26", out)


def test_the_dfe_rules_find_no_error_in_the_constructed_county(
    validated: tuple[Path, Report],
) -> None:
    _, report = validated
    assert report.errors == (), [f"{e.rule} {e.child} {e.message}" for e in report.errors]
    assert report.crashed == ()
    assert report.accepted
    assert report.children == len(county())
    assert report.ruleset == "cin2025_26"
    assert report.validator == "0.1.13"
    assert all(q.level == "QUERY" for q in report.queries)


def test_the_runner_reads_the_file_as_the_validator_does(validated: tuple[Path, Report]) -> None:
    out, _ = validated
    result = compare_readers(out)
    assert result["same"], result["differences"]
    # every table has rows, so the comparison covered each of them
    assert all(n > 0 for n in result["rows"].values()), result["rows"]


def _broken_county() -> Iterator[Child]:
    for child in county():
        if child.la_child_id == "CP3":
            (episode,) = child.episodes
            (plan,) = episode.cp_plans
            early = dataclasses.replace(plan, start=d("2024-12-16"))  # referral 2025-01-06
            child = dataclasses.replace(
                child, episodes=(dataclasses.replace(episode, cp_plans=(early,)),)
            )
        yield child


def test_a_cp_plan_before_its_referral_is_caught_by_rule_1105(tmp_path: Path) -> None:
    report = write_and_validate(_broken_county(), LA, "2025-26", tmp_path / "broken.xml")
    caught = [e for e in report.errors if e.rule == "1105"]
    assert len(caught) == 1
    (failure,) = caught
    assert failure.child == "CP3"
    assert "before the referral date" in failure.message
    fields = {(f.table, f.name): f.value for f in failure.fields}
    assert fields[("ChildProtectionPlans", "CPPstartDate")] == "2024-12-16"
    assert fields[("CINdetails", "CINreferralDate")] == "2025-01-06"
    # nothing else broke: every ERROR is about that child
    assert {e.child for e in report.errors} == {"CP3"}
    assert not report.accepted


def test_a_missing_validator_environment_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VENV_ENV, str(tmp_path / "no-such-venv"))
    out = tmp_path / "cin.xml"
    with pytest.raises(ValidatorError) as e:
        write_and_validate(county(), LA, "2025-26", out)
    message = str(e.value)
    assert "\n" not in message
    assert "make setup" in message and "no-such-venv" in message
    assert not out.exists()  # nothing written
    with pytest.raises(ValidatorError, match="make setup"):
        validate_file(tmp_path, YEAR)


def test_a_year_the_validator_has_no_rules_for_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "cin.xml"
    write_return(nfa(), LA, parse_year("2030-31"), out)
    with pytest.raises(ValidatorError, match="no rules for the census year 2030-31"):
        validate_file(out, "2030-31")


def test_a_file_that_is_not_xml_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "cin.xml"
    out.write_text("<Message><Header>", encoding="utf-8")
    with pytest.raises(ValidatorError, match="not well-formed XML"):
        validate_file(out, YEAR)


# --- The collection year --------------------------------------------------------------


def test_a_collection_year_runs_from_april_to_march() -> None:
    year = parse_year("2025-26")
    assert (year.start, year.end, year.reference_date) == (
        date(2025, 4, 1), date(2026, 3, 31), date(2026, 3, 31),
    )  # fmt: skip
    assert year.xml_year == "2026"
    assert year.ruleset == "cin2025_26"
    assert str(year) == "2025-26"
    assert year.contains(date(2025, 4, 1)) and year.contains(date(2026, 3, 31))
    assert not year.contains(date(2025, 3, 31)) and not year.contains(date(2026, 4, 1))
    assert str(parse_year("2099-00")) == "2099-00"


@pytest.mark.parametrize(
    "text", ["2025-27", "2025", "25-26", "2025-2026", "2025/26", "2025-25", "", "year", "1999-00"]
)
def test_a_bad_year_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(ValueError) as e:
        parse_year(text)
    message = str(e.value)
    assert "\n" not in message
    assert "2025-26" in message or "not a census year" in message


# --- Codes and words ------------------------------------------------------------------


def test_every_code_has_words_that_are_not_the_code() -> None:
    for kind, pairs in codes.LISTS.items():
        assert pairs, kind
        for code, words in pairs.items():
            assert words and words != code and code not in words.split(), (kind, code)
            assert codes.label(kind, code) == words


def test_an_unknown_code_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="'N10' is not a census primary need code"):
        CINEpisode(d("2025-05-01"), "6", primary_need="N10")
    with pytest.raises(ValueError, match="is not a census ethnicity code"):
        Child("X1", "M", "WHITE", episodes=())
    with pytest.raises(ValueError, match="assessment factor"):
        Assessment(d("2025-05-01"), d("2025-06-01"), ("18A",))  # retired
    with pytest.raises(ValueError):
        codes.label("sex", "0")  # the old GenderCurrent code


def test_records_refuse_what_the_file_cannot_carry() -> None:
    with pytest.raises(ValueError, match="must be a date"):
        CINPlan(datetime(2025, 5, 1, 9, 0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole number"):
        CPPlan(d("2025-05-01"), "NEG", "NEG", -1)
    with pytest.raises(ValueError, match="LA child id"):
        Child(" ", "M", "WBRI", episodes=())
    with pytest.raises(ValueError, match="tuple"):
        CPPlan(d("2025-05-01"), "NEG", "NEG", 0, reviews=[d("2025-08-01")])  # type: ignore[arg-type]


# --- The XML --------------------------------------------------------------------------


def _text(root: ET.Element, path: str) -> list[str | None]:
    return [e.text for e in root.findall(path)]


def test_the_header_is_as_the_validator_reads_it(tmp_path: Path) -> None:
    out = tmp_path / "cin.xml"
    written = write_return(
        iter(nfa()), "873", YEAR, out, serial_no=3, now=datetime(2026, 4, 20, 9, 30, 15, 123)
    )
    assert written == 2
    root = ET.parse(out).getroot()
    assert root.tag == "Message"
    header_el = root.find("Header")
    assert header_el is not None
    header = {e.tag: e.text for e in header_el.iter() if len(e) == 0}
    assert header == {
        "Collection": "CIN",
        "Year": "2026",
        "ReferenceDate": "2026-03-31",
        "SourceLevel": "L",
        "LEA": "873",
        "SoftwareCode": "wholefamily",
        "Release": __version__,
        "SerialNo": "3",
        "DateTime": "2026-04-20T09:30:15",
    }
    assert _text(root, "Children/Child/ChildIdentifiers/LAchildID") == ["NFA1", "NFA2"]


def test_the_modules_are_written_as_the_census_nests_them(tmp_path: Path) -> None:
    out = tmp_path / "cin.xml"
    write_return(protection(), LA, YEAR, out)
    root = ET.parse(out).getroot()
    (cp1,) = [c for c in root.iter("Child") if c.findtext("ChildIdentifiers/LAchildID") == "CP1"]
    cin = cp1.find("CINdetails")
    assert cin is not None
    assert cin.findtext("ReferralNFA") == "0"
    assert _text(cin, "Assessments/FactorsIdentifiedAtAssessment/AssessmentFactors") == [
        "3B", "16A", "1B",
    ]  # fmt: skip
    assert cin.findtext("Section47/DateOfInitialCPC") == "2025-05-06"
    assert cin.findtext("Section47/ICPCnotRequired") == "0"
    plan = cin.find("ChildProtectionPlans")
    assert plan is not None
    assert plan.findtext("NumberOfPreviousCPP") == "0"
    # one <Reviews> per review date: the validator reads the first date in each
    assert [r.findtext("CPPreviewDate") for r in plan.findall("Reviews")] == [
        "2025-07-29", "2026-01-27",
    ]  # fmt: skip
    assert _text(cp1, "ChildCharacteristics/Disabilities/Disability") == ["HEAR", "VIS"]
    assert cin.find("CINPlanDates/CINPlanEndDate") is None  # open plans have no end


def test_a_bad_la_code_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "cin.xml"
    for bad in ("88", "E10000034", "88a", ""):
        with pytest.raises(ValueError, match="three-digit DfE code"):
            write_return(nfa(), bad, YEAR, out)
        with pytest.raises(ValueError, match="three-digit DfE code"):
            write_and_validate(nfa(), bad, "2025-26", out)
    with pytest.raises(ValueError, match="2025-26"):
        write_and_validate(nfa(), LA, "2025-27", out)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_part_way_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    out = tmp_path / "cin.xml"
    out.write_text("the return sent last week", encoding="utf-8")

    def children() -> Iterator[Child]:
        yield from nfa()
        raise ValueError("a record the caller could not map")

    with pytest.raises(ValueError, match="could not map"):
        write_return(children(), LA, YEAR, out)
    assert out.read_text(encoding="utf-8") == "the return sent last week"
    assert [p.name for p in tmp_path.iterdir()] == ["cin.xml"]  # no temporary file left
