"""Words, not codes: every page each role can reach on a demo county, crawled by its
links, shows no framework need code, member role code or source table name in its
visible text. CSV downloads (which keep the codes, with labels beside them) and files
are not pages and are left out."""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.test import Client

from wholefamily.frameworks.files import check, shipped
from wholefamily.frameworks.identify import identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.sources.schema import SOURCES
from wholefamily.synth import SynthConfig, generate
from wholefamily.web.casework.models import Nomination
from wholefamily.web.families.models import Family, Status
from wholefamily.web.families.sync import sync

# Every page of a filled-in demo, read for codes and unformatted dates: minutes, so
# `make test` leaves it to .ci/run (which also runs it on PostgreSQL).
pytestmark = [pytest.mark.django_db, pytest.mark.heavy]
AS_OF = date(2025, 3, 31)

PAGES_PER_ROLE = 150
FAMILIES_PER_ROLE = 4  # family pages (and their steps) visited per role
MAX_PAGE_NUMBER = 3  # paging links followed up to this page
SKIP = ("/sign-out", "/admin", "/static/")

NEED_CODES = sorted({c for p in shipped().values() for c in check(p).data["needs"]})
ROLE_CODES = ["ADULT", "CHILD"]
# The Children in Need census's codes Family Help keeps (referral source, factor, main
# need, closure reason, category of abuse) and its own choices' values.
CENSUS_CODES = [
    r"[1-9][0-9]?[A-F]",
    r"N[1-9]",
    r"RC[1-9]",
    "NEG|PHY|EMO|SAB|MUL",
    "nfa|cin|cla|cp|cp_enquiry|no_conference|not_substantiated",
]
# Source tables: a name with an underscore, or no English word, is a code wherever it
# is; one that is an English word ("health", "housing") is a code when it stands alone
# in an element or before a row number ("health row 12").
TABLES = sorted(n for n in SOURCES if "_" in n or n in ("asb", "gazetteer"))
WORDS = sorted(set(SOURCES) - set(TABLES))

CODE = re.compile(
    r"(?<![A-Za-z0-9_])("
    + "|".join(NEED_CODES + ROLE_CODES + TABLES + CENSUS_CODES)
    + r")(?![A-Za-z0-9_])"
)
WORD_ROW = re.compile(r"\b(" + "|".join(WORDS) + r") row \d")


class Page(HTMLParser):
    """A page's visible text (one string per text node, scripts and styles left out)
    and the links it offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self.posts: list[str] = []  # where the page's POST forms send (their action)
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href and "download" not in dict(attrs):
                self.links.append(href)
        if tag == "form" and (dict(attrs).get("method") or "").lower() == "post":
            self.posts.append(dict(attrs).get("action") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def codes_in(texts: list[str]) -> set[str]:
    found: set[str] = set()
    for t in texts:
        if t.startswith("/") and " " not in t:
            continue  # a page's address (the audit log's page column), not words
        found |= set(CODE.findall(t)) | set(WORD_ROW.findall(t))
        if t in WORDS:
            found.add(t)
    return found


def test_the_detector_finds_codes_and_passes_words() -> None:
    assert codes_in(["dwp_benefits row 2688"]) == {"dwp_benefits"}
    assert codes_in(["EDUCATION;WORK_FINANCE"]) == {"EDUCATION", "WORK_FINANCE"}
    assert codes_in(["ADULT", "health row 3", "housing"]) == {"ADULT", "health", "housing"}
    assert codes_in(["Health problems", "DWP benefits, claim started 13 April 2020"]) == set()
    assert codes_in(["mental health service", "Children", "continuous employment"]) == set()
    assert codes_in(["From 2A", "Closed: RC8", "Category NEG", "Main need N1"]) == {
        "2A",
        "RC8",
        "NEG",
        "N1",
    }
    assert codes_in(["Now at cin", "Decision: cp_enquiry"]) == {"cin", "cp_enquiry"}
    assert codes_in(["/returns/cin-census", "/families/F1/network"]) == set()
    assert codes_in(["Child in need (CIN plan)", "Neglect", "A school", "WX1 2AB"]) == set()


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("words")
    generate(SynthConfig(people=3000, seed=23, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    identify(root / "ws", "tf-2015", AS_OF, root / "run")
    return root / "ws", root / "run"


def _allowed(path: str, seen_families: dict[str, None]) -> bool:
    if path.startswith(SKIP) or path.endswith((".csv", ".pdf")) or "/pack" in path:
        return False
    m = re.match(r"^/families/([^/]+)", path)
    if m:
        fid = m.group(1)
        if fid not in seen_families:
            if len(seen_families) >= FAMILIES_PER_ROLE:
                return False
            seen_families[fid] = None
    return True


def crawl(client: Client, seeds: list[str], forms: set[str] | None = None) -> dict[str, set[str]]:
    """GET every same-site page reachable from the seeds (bounded); the codes on each.
    `forms`, when given, gathers where each page's POST forms send."""
    found: dict[str, set[str]] = {}
    seen_families: dict[str, None] = {}
    queue = deque(seeds)
    visited: set[str] = set()
    while queue and len(found) < PAGES_PER_ROLE:
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        r = client.get(url)
        if r.status_code != 200 or not r["Content-Type"].startswith("text/html"):
            continue
        page = Page()
        page.feed(r.content.decode())
        found[url] = codes_in(page.texts)
        if forms is not None:
            forms.update(urlsplit(urljoin(url, a)).path for a in page.posts)
        for href in page.links:
            parts = urlsplit(urljoin(url, href))
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            pages = parse_qs(parts.query).get("page", ["1"])
            if not pages[0].isdigit() or int(pages[0]) > MAX_PAGE_NUMBER:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in visited and _allowed(parts.path, seen_families):
                queue.append(target)
    return found


def _demo_case_database(county: tuple[Path, Path], settings: Any) -> dict[str, Any]:
    """The demo's accounts and a year of its case work on the county; the users by name."""
    from wholefamily.web.demo import demo_accounts, demo_casework

    ws, run_dir = county
    settings.WORKSPACE = ws
    sync(run_dir)
    roles = {username: role for username, role, _ in demo_accounts()}
    made = demo_casework(date(2024, 9, 30), AS_OF)
    assert made["allocated"] and made["claimed"]  # families in work, a claim signed
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=roles)}
    assert len(users) == len(roles)
    # A partner's nomination, so that the partner has pages of their own.
    # The demo leaves the rest identified: a few pass the central check, to be allocated.
    waiting = Family.objects.filter(status=Status.IDENTIFIED).order_by("family_id")[:5]
    Family.objects.filter(pk__in=list(waiting.values_list("pk", flat=True))).update(
        status=Status.AWAITING_ALLOCATION
    )
    nominated = Family.objects.filter(status=Status.AWAITING_ALLOCATION).first()
    assert nominated is not None
    Nomination.objects.create(
        family=nominated,
        nominated_by=users["partner"],
        agency="Southfield Primary School",
        needs="EDUCATION;HEALTH",
        evidence="Often absent; seen at the clinic",
        consent="Y",
    )
    _family_help(users)
    return users


def _family_help(users: dict[str, Any]) -> str:
    """A year of Family Help and child protection for one family in work: requests for
    help (a re-referral), its lead changed to the partner, an assessment authorised, a
    step up to a child in need plan, a strategy discussion, an initial conference and a
    plan, the child protection practitioner on the team and an offer to the parents.
    Returns the family's id."""
    from wholefamily.web.familyhelp import services as fh
    from wholefamily.web.protection import services as cp

    kw, manager = users["keyworker"], users["manager"]
    f = next(
        f
        for f in Family.objects.filter(status=Status.ACTIVE, key_worker=kw).order_by("family_id")
        if f.member_set.filter(role="CHILD", current=True).exists()
    )
    kids = [m.person for m in f.member_set.filter(role="CHILD", current=True)]
    episode = fh.episode_of(f, manager)
    assert episode is not None
    first = fh.record_request(f, kids, date(2024, 10, 1), "3A", "GP worried.", manager)
    fh.decide(first, "nfa", date(2024, 10, 3), manager)
    fh.change_lead(episode, users["partner"], date(2024, 11, 4), manager, "The school knows them")
    a = fh.start_assessment(episode, kids, date(2024, 11, 4), kw)
    fh.complete_assessment(a, date(2024, 12, 16), ["16A", "3B"], "Neglect.", kw, "N1")
    fh.authorise_assessment(a, date(2024, 12, 18), manager)
    fh.change_level(episode, kids[0], "cin", date(2024, 12, 18), kw, "CIN plan agreed")
    again = fh.record_request(f, kids, date(2025, 1, 6), "6", "Police call-out.", manager)
    fh.decide(again, "cp_enquiry", date(2025, 1, 7), manager)
    s = cp.hold_strategy(episode, kids, date(2025, 1, 8), "DC Jones, Police\nSchool", kw)
    for q in s.enquiries.all():
        cp.record_outcome(q, date(2025, 1, 15), "conference", kw)
    cp.add_member(episode, "lead", "Chris Adeyemi", "MACPT", date(2025, 1, 8), kw, users["cpp"])
    cp.initial_conference(s, date(2025, 1, 27), "All", {kids[0]: "NEG"}, kw)
    cp.offer_to_parents(episode, date(2025, 1, 20), "The parents", "An advocate", kw)
    _network(f, kids, kw)
    return str(f.family_id)


def _network(f: Family, kids: list[Any], kw: Any) -> None:
    """The family's network: a grandparent with parental responsibility and a formal
    aunt, a pre-proceedings offer made in time, a family group conference whose plan
    became family-plan actions, and each child's living arrangements."""
    from wholefamily.web.networks import services as nw

    on = date(2025, 1, 10)
    nan = nw.add_member(
        f, "Nan Carol", "relative", [nw.Tie(k, "grandparent", True) for k in kids], on, kw
    )
    bea = nw.add_member(
        f, "Auntie Bea", "relative", [nw.Tie(kids[0], "aunt_uncle")], on, kw, support="formal"
    )
    offer = nw.record_offer(
        f,
        "practitioner",
        date(2025, 2, 3),
        kw,
        pre_proceedings=True,
        letter_before_proceedings_on=date(2025, 2, 5),
    )
    nw.record_outcome(offer, "accepted", date(2025, 2, 4), kw)
    nw.record_offer(f, "school", date(2025, 2, 10), kw)
    plan = [nw.Line(nan, "School pick-ups", date(2025, 4, 30), "Bus fares")]
    nw.record_meeting(
        f,
        "conference",
        "Sam Okafor",
        date(2025, 2, 20),
        [nan, bea],
        "plan",
        kw,
        offer=offer,
        plan=plan,
        others="The parents",
    )
    nw.record_arrangement(f, kids[0], "parents", on, kw, ended_on=date(2025, 2, 28))
    nw.record_arrangement(f, kids[0], "informal_kinship", date(2025, 3, 1), kw, carer=nan)


def _family_help_pages() -> list[str]:
    """The Family Help, child protection and network sections of the family
    `_family_help` made."""
    from wholefamily.web.familyhelp.models import Request

    fid = Request.objects.values_list("family__family_id", flat=True).first()
    return [
        f"/families/{fid}/family-help",
        f"/families/{fid}/child-protection",
        f"/families/{fid}/network",
    ]


SEEDS = [
    "/",
    "/families",
    "/families?status=active",
    "/families?status=awaiting_allocation",
    "/families?need=EDUCATION",
    "/reports?period=2024/25",
    "/reports?period=2025Q1",
    "/claims",
    "/funding",
    "/review-queue",
    "/nominate",
    "/nominations",
    "/audit",
]


def test_no_page_any_role_reaches_shows_a_code(county: tuple[Path, Path], settings) -> None:
    users = _demo_case_database(county, settings)
    failures, counts, reached = [], {}, {}
    seeds = SEEDS + _family_help_pages()
    for username in users:
        client = Client()
        client.force_login(users[username])
        found = crawl(client, seeds)
        counts[username] = len(found)
        reached[username] = set(found)
        for url, codes in found.items():
            if not codes:
                continue
            failures.append(f"{username} {url}: {', '.join(sorted(codes))}")
    assert not failures, "Codes where words belong:\n  " + "\n  ".join(failures)
    # The crawl reached each role's pages (a test that cannot fail proves nothing).
    assert counts["analyst"] >= 20 and counts["manager"] >= 15 and counts["keyworker"] >= 10
    assert counts["partner"] >= 3 and counts["dpo"] >= 1
    # The Family Help and child protection pages were among them, for who sees them.
    pages = _family_help_pages()
    for username in ("analyst", "manager", "keyworker", "partner", "cpp"):
        assert pages[0] in reached[username], username
        assert pages[2] in reached[username], username
    for username in ("analyst", "manager", "keyworker", "cpp"):
        assert pages[1] in reached[username], username
    assert pages[1] not in reached["partner"]  # leads, but is not on the team


# Django's own wording, which GOV.UK's replaces on every form ("Enter the date of consent").
DJANGO_WORDS = (
    "This field is required",
    "Enter a valid",
    "Select a valid choice",
    "Enter a whole number",
    "Ensure this value",
)


def test_every_form_answers_an_empty_post_in_govuk_words(
    county: tuple[Path, Path], settings
) -> None:
    users = _demo_case_database(county, settings)
    failures, posted = [], 0
    for username in users:
        client = Client()
        client.force_login(users[username])
        forms: set[str] = set()
        crawl(client, SEEDS + _family_help_pages(), forms)
        for path in sorted(forms):
            if path.startswith(SKIP):
                continue
            r = client.post(path, {})
            posted += 1
            text = " ".join(r.content.decode(errors="replace").split())
            if said := [w for w in DJANGO_WORDS if w in text]:
                failures.append(f"{username} POST {path}: {', '.join(said)}")
    assert posted >= 20  # the crawl found the forms (a test that cannot fail proves nothing)
    assert not failures, "Django's words where GOV.UK's belong:\n  " + "\n  ".join(failures)
