"""Writing the Children in Need census return: one XML file, streamed child by child.

The file is the DfE's CIN census XML as its validator reads it:

    <Message>
      <Header>
        <CollectionDetails> Collection (CIN), Year (2026 for 2025-26), ReferenceDate
        <Source> SourceLevel (L), LEA, SoftwareCode, Release, SerialNo, DateTime
      </Header>
      <Children>
        <Child> <ChildIdentifiers/> <ChildCharacteristics/> <CINdetails/>... </Child>...
      </Children>
    </Message>

Which children and episodes to give is the caller's business; the census defines it, and
the DfE's rules check much of it (rule codes in brackets):

- A child is in the return when they were a child in need at any time in the collection
  year (1 April to 31 March): a referral received in the year, including one that led to
  no further action, or an episode open on any day of the year (referred before 1 April
  and not closed before it). A child with no such episode is not in the return (8590).
- An episode closed before 1 April belongs to an earlier census and is left out; an
  episode closed after 31 March is given as open, without its closure date and reason
  (8620: a closure date must fall in the year). At most one episode is open, the latest
  (8815, 8816), and a child's episodes do not overlap (8820).
- Inside an episode, give what was open at any time in the year, as it stood on
  31 March: an assessment completed before 1 April is left out (8696), one still open on
  31 March has no authorisation date (and no factors, 8614); a section 47 enquiry whose
  initial conference was before 1 April is left out (8715), one with neither a
  conference nor "not required" by 31 March must have started in the year (8740); a CIN
  plan or CP plan that ended before 1 April is left out (4013, 8930), one ending after
  31 March is given without its end date. A CP plan's reviews are the review
  conferences held in the year, each after the plan's start (8841).
- An initial child protection conference is given once: on its section 47 enquiry, or
  on the episode (<DateOfInitialCPC> in <CINdetails>) when the enquiry is not in the
  return (2884). A CP plan starts on the day of its conference (2885).
- A referral with no further action carries no assessment, plan or enquiry (8831, 8832,
  4000) and needs no primary need code (8610).

The file is written beside `out_path` and renamed into place once complete, so a
failure part-way (a bad record from the caller's iterator) leaves nothing at `out_path`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from wholefamily import __version__
from wholefamily.returns.cin.model import Assessment, Child, CINEpisode, CPPlan, Section47
from wholefamily.returns.cin.year import CollectionYear, parse_year
from wholefamily.sources.lacode import check_la_code

SOFTWARE_CODE = "wholefamily"


def write_return(
    children: Iterable[Child],
    la_code: str,
    year: CollectionYear | str,
    out_path: Path,
    *,
    serial_no: int = 1,
    now: datetime | None = None,
) -> int:
    """Write the census return for `year` ("2025-26") to `out_path`; the children written.

    `serial_no` is the return's <SerialNo> (count up when a corrected return is sent);
    `now` its <DateTime> (the time of writing unless given).
    """
    year = parse_year(year) if isinstance(year, str) else year
    check_la_code(la_code)
    if not isinstance(serial_no, int) or isinstance(serial_no, bool) or serial_no < 1:
        raise ValueError(f"the serial number must be a whole number from 1, not {serial_no!r}")
    stamp = (now or datetime.now()).replace(microsecond=0, tzinfo=None)
    out_path = Path(out_path)
    tmp = out_path.with_name(f".{out_path.name}.tmp-{os.getpid()}")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n')
            _write_header(f, la_code, year, serial_no, stamp)
            f.write("  <Children>\n")
            for child in children:
                if not isinstance(child, Child):
                    raise ValueError(f"the return takes Child records, not {type(child).__name__}")
                f.write("".join(_child(child)))
                count += 1
            f.write("  </Children>\n</Message>\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def _write_header(
    f: IO[str], la_code: str, year: CollectionYear, serial_no: int, stamp: datetime
) -> None:
    f.write(
        "  <Header>\n"
        "    <CollectionDetails>\n"
        "      <Collection>CIN</Collection>\n"
        f"      <Year>{year.xml_year}</Year>\n"
        f"      <ReferenceDate>{year.reference_date.isoformat()}</ReferenceDate>\n"
        "    </CollectionDetails>\n"
        "    <Source>\n"
        "      <SourceLevel>L</SourceLevel>\n"
        f"      <LEA>{la_code}</LEA>\n"
        f"      <SoftwareCode>{SOFTWARE_CODE}</SoftwareCode>\n"
        f"      <Release>{escape(__version__)}</Release>\n"
        f"      <SerialNo>{serial_no}</SerialNo>\n"
        f"      <DateTime>{stamp.isoformat()}</DateTime>\n"
        "    </Source>\n"
        "  </Header>\n"
    )


def _el(pad: str, tag: str, value: str | date | int | bool | None) -> str:
    """One element on its own line, or nothing when the value is absent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "1" if value else "0"  # every DfE rule reads 1/0 (some only 1/0)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, int):
        text = str(value)
    else:
        text = escape(value)
    return f"{pad}<{tag}>{text}</{tag}>\n"


def _child(child: Child) -> Iterator[str]:
    p = "        "
    yield "    <Child>\n"
    yield "      <ChildIdentifiers>\n"
    yield _el(p, "LAchildID", child.la_child_id)
    yield _el(p, "UPN", child.upn)
    yield _el(p, "FormerUPN", child.former_upn)
    yield _el(p, "UPNunknown", child.upn_unknown)
    yield _el(p, "PersonBirthDate", child.birth_date)
    yield _el(p, "ExpectedPersonBirthDate", child.expected_birth_date)
    yield _el(p, "Sex", child.sex)
    yield _el(p, "PersonDeathDate", child.death_date)
    yield "      </ChildIdentifiers>\n"
    yield "      <ChildCharacteristics>\n"
    yield _el(p, "Ethnicity", child.ethnicity)
    if child.disabilities:
        yield "        <Disabilities>\n"
        for code in child.disabilities:
            yield _el("          ", "Disability", code)
        yield "        </Disabilities>\n"
    yield "      </ChildCharacteristics>\n"
    for episode in child.episodes:
        yield from _episode(episode)
    yield "    </Child>\n"


def _episode(e: CINEpisode) -> Iterator[str]:
    p = "        "
    yield "      <CINdetails>\n"
    yield _el(p, "CINreferralDate", e.referral_date)
    yield _el(p, "ReferralSource", e.referral_source)
    yield _el(p, "PrimaryNeedCode", e.primary_need)
    yield _el(p, "CINclosureDate", e.closure_date)
    yield _el(p, "ReasonForClosure", e.closure_reason)
    yield _el(p, "DateOfInitialCPC", e.initial_cpc_date)
    yield _el(p, "ReferralNFA", e.referral_nfa)
    for a in e.assessments:
        yield from _assessment(a)
    for plan in e.cin_plans:
        yield "        <CINPlanDates>\n"
        yield _el("          ", "CINPlanStartDate", plan.start)
        yield _el("          ", "CINPlanEndDate", plan.end)
        yield "        </CINPlanDates>\n"
    for s in e.section47s:
        yield from _section47(s)
    for cpp in e.cp_plans:
        yield from _cp_plan(cpp)
    yield "      </CINdetails>\n"


def _assessment(a: Assessment) -> Iterator[str]:
    p = "          "
    yield "        <Assessments>\n"
    yield _el(p, "AssessmentActualStartDate", a.start)
    yield _el(p, "AssessmentInternalReviewDate", a.internal_review)
    yield _el(p, "AssessmentAuthorisationDate", a.authorised)
    if a.factors:
        yield f"{p}<FactorsIdentifiedAtAssessment>\n"
        for code in a.factors:
            yield _el(p + "  ", "AssessmentFactors", code)
        yield f"{p}</FactorsIdentifiedAtAssessment>\n"
    yield "        </Assessments>\n"


def _section47(s: Section47) -> Iterator[str]:
    p = "          "
    yield "        <Section47>\n"
    yield _el(p, "S47ActualStartDate", s.start)
    yield _el(p, "InitialCPCtarget", s.icpc_target)
    yield _el(p, "DateOfInitialCPC", s.icpc_date)
    yield _el(p, "ICPCnotRequired", s.icpc_not_required)
    yield "        </Section47>\n"


def _cp_plan(c: CPPlan) -> Iterator[str]:
    p = "          "
    yield "        <ChildProtectionPlans>\n"
    yield _el(p, "CPPstartDate", c.start)
    yield _el(p, "CPPendDate", c.end)
    yield _el(p, "InitialCategoryOfAbuse", c.initial_category)
    yield _el(p, "LatestCategoryOfAbuse", c.latest_category)
    yield _el(p, "NumberOfPreviousCPP", c.previous_plans)
    for day in c.reviews:
        # One <Reviews> per date: the validator reads the first <CPPreviewDate> of each.
        yield f"{p}<Reviews>\n"
        yield _el(p + "  ", "CPPreviewDate", day)
        yield f"{p}</Reviews>\n"
    yield "        </ChildProtectionPlans>\n"
