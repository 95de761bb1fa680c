"""Load test of the web app: the family list and the family page under concurrent clients.

Target (issue): the family list and the family page each answer with a p95
latency under 300 ms with 20 concurrent clients, on PostgreSQL holding
100,000 families.

What it does:

1. creates the PostgreSQL database named by --database-url if it is missing,
   migrates it, and fills it with a synthetic county (made-up names only):
   families with members, needs, evidence, teams, key workers, managers,
   analysts, and case work (checks, events, actions, reviews, notes,
   assessments). A database already filled by this script with the same
   number of families is reused, so reruns start at once;
2. starts the real server (`wholefamily serve`, waitress) in a subprocess;
3. signs in each client through /sign-in (CSRF token, username, password):
   mostly key workers of different teams, some managers and analysts;
4. runs the clients concurrently (one thread and one keep-alive connection
   each, no think time unless --think-ms): each one GETs the family list
   (random filters and pages) and pages of families it may see, and times
   every request to the last byte of the body;
5. stops the server and prints count, p50, p95, p99, max per page type (and
   per page type and role), errors and throughput. Exit status 1 when the
   p95 of either page type is 300 ms or more, 2 on errors.

--profile renders each page type for each role in-process first and prints
the SQL queries with their times, and EXPLAIN ANALYZE of the slowest.

    .venv/bin/python benchmarks/web_load.py --families 100000 --clients 20 \
        --database-url postgres://postgres@127.0.0.1:5432/wf_bench
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

TARGET_MS = 300.0
KINDS = ("list", "family")  # the family list, a family's page
MARKER = "bench-web-load"  # SyncRun.framework of a database this script filled
PASSWORD = "bench-web-load-not-a-secret"  # every synthetic user's password
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

# Made-up words only: no real person, place or organisation.
DISTRICTS = [
    ("Ashcombe Vale", 18),
    ("Brindlemoor", 15),
    ("Calder Rise", 14),
    ("Dunmere", 13),
    ("Elmstead Quay", 12),
    ("Fallowdene", 11),
    ("Harrowick", 9),
    ("Larkspur Moor", 8),
]
TEAMS_PER_DISTRICT = 5
KEY_WORKERS_PER_TEAM = 5
ANALYSTS = 5
FORENAMES = (  # noqa: SIM905
    "Arlo Bexa Cadie Dorin Elsa Fenn Gilly Harlo Ines Jory Kessa Lio Mabry Nello Orla Pim "
    "Quill Rafe Sila Tamsin Ulla Vero Wren Xan Yesa Zeb Alba Bram Cleo Dax Eira Fitz"
).split()
SURNAMES = (  # noqa: SIM905
    "Ambervale Brackwood Coldharbour Dunthorpe Eastling Fenwright Gorsedge Hollins "
    "Ivesley Jennow Kettleby Larchmont Marrowby Nettlefold Oakhurst Pennifer Quarrie "
    "Rookley Stanbury Thistlewood Underhay Vexley Wickham Yarrowdale"
).split()
NEEDS = ["CRIME_ASB", "EDUCATION", "CHILDREN_NEED_HELP", "WORK_FINANCE", "DOMESTIC_ABUSE", "HEALTH"]
SOURCES = {
    "CRIME_ASB": ("police", "Anti-social behaviour incident"),
    "EDUCATION": ("school_census", "Unauthorised absence of 12% over three terms"),
    "CHILDREN_NEED_HELP": ("children_social_care", "Child in need assessment"),
    "WORK_FINANCE": ("employment", "Out-of-work benefit claim"),
    "DOMESTIC_ABUSE": ("police", "Domestic abuse incident at the address"),
    "HEALTH": ("health", "Referral to mental health services"),
}
# Status of each family: (status, weight). Allocated ones get a team and a key worker.
STATUSES = [
    ("identified", 38),
    ("not_eligible", 10),
    ("nominated", 2),
    ("awaiting_allocation", 5),
    ("allocated", 8),
    ("active", 25),
    ("consent_refused", 2),
    ("stepped_up", 3),
    ("closed", 7),
]
ALLOCATED = {"allocated", "active", "consent_refused", "stepped_up", "closed"}
CONSENTED = {"active", "stepped_up", "closed"}
AS_OF = date(2026, 9, 30)
TODAY = date(2026, 11, 20)


# --------------------------------------------------------------------------- database


def ensure_database(url: str, reset: bool) -> None:
    """Create the database named in `url` (drop it first with `reset`)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and reset:
            print(f"Dropping database {name} (--reset)", flush=True)
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"Creating database {name}", flush=True)
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(workspace: Path, url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # The in-process profile uses Django's test client, whose host is "testserver".
    os.environ["WHOLEFAMILY_ALLOWED_HOSTS"] = "localhost,127.0.0.1,testserver"
    from django.core.management import call_command

    from wholefamily.web import configure

    configure(workspace)
    call_command("migrate", verbosity=0, interactive=False)


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> Callable[[], str]:
    names = [p[0] for p in pairs]
    cum = []
    total = 0
    for _, w in pairs:
        total += w
        cum.append(total)

    def pick() -> str:
        return rng.choices(names, cum_weights=cum)[0]

    return pick


def populated(families: int) -> bool:
    """True when this script already filled the database with `families` families."""
    from wholefamily.web.families.models import Family, SyncRun

    have = Family.objects.count()
    marked = SyncRun.objects.filter(framework=MARKER, families=families).exists()
    if have == families and marked:
        return True
    if have:
        sys.exit(
            f"The database holds {have:,} families, not {families:,} filled by this script; "
            "rerun with --reset to drop and refill it (only on a benchmark database)."
        )
    return False


def populate(families: int, seed: int, chunk: int = 2000) -> None:
    """Fill an empty case database with a synthetic county, quickly (bulk_create, explicit ids)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from wholefamily.web.accounts.models import Profile, Team
    from wholefamily.web.casework import models as C
    from wholefamily.web.families import models as M

    rng = random.Random(seed)
    started = time.perf_counter()
    users = get_user_model()
    # One PBKDF2 hash for every user: hashing 245 passwords one by one (make_user) takes
    # minutes; the sign-in check of the hash is the same.
    hashed = make_password(PASSWORD)

    def name() -> tuple[str, str]:
        return rng.choice(FORENAMES), rng.choice(SURNAMES)

    with transaction.atomic():
        teams: list[Any] = []
        user_rows: list[Any] = []
        profiles: list[Any] = []
        team_workers: dict[int, list[int]] = {}
        district_teams: dict[str, list[int]] = {}
        uid = 0

        def add_user(username: str, role: str, team_id: int | None) -> int:
            nonlocal uid
            uid += 1
            first, last = name()
            user_rows.append(
                users(
                    id=uid,
                    username=username,
                    first_name=first,
                    last_name=last,
                    password=hashed,
                    is_active=True,
                )
            )
            profiles.append(Profile(user_id=uid, role=role, team_id=team_id))
            return uid

        tid = 0
        for district, _ in DISTRICTS:
            for t in range(1, TEAMS_PER_DISTRICT + 1):
                tid += 1
                teams.append(Team(id=tid, name=f"{district} family support {t}", district=district))
                district_teams.setdefault(district, []).append(tid)
                team_workers[tid] = [
                    add_user(f"kw-{tid:02d}-{k}", "key_worker", tid)
                    for k in range(1, KEY_WORKERS_PER_TEAM + 1)
                ]
                add_user(f"manager-{tid:02d}", "manager", tid)
        analysts = [add_user(f"analyst-{a}", "analyst", None) for a in range(1, ANALYSTS + 1)]
        Team.objects.bulk_create(teams)
        users.objects.bulk_create(user_rows)
        Profile.objects.bulk_create(profiles)
        areas = list(C.AssessmentArea.objects.values_list("id", flat=True))
        run = M.SyncRun.objects.create(
            folder="synthetic",
            framework=MARKER,
            as_of=AS_OF,
            drop_id=MARKER,
            families=0,
            created=0,
            changed=0,
        )

        district_of = _weighted(rng, DISTRICTS)
        status_of = _weighted(rng, STATUSES)
        pid = 0
        counts: dict[str, int] = {}
        for lo in range(1, families + 1, chunk):
            rows: dict[type, list[Any]] = {}

            def add(obj: Any, rows: dict[type, list[Any]] = rows) -> None:
                rows.setdefault(type(obj), []).append(obj)

            for i in range(lo, min(lo + chunk, families + 1)):
                district = district_of()
                status = status_of()
                team = worker = None
                intensity = consent = ""
                started_on = review_due = closed_on = None
                if status in ALLOCATED:
                    team = rng.choice(district_teams[district])
                    worker = rng.choice(team_workers[team])
                    intensity = rng.choice(["high", "medium", "standard", "standard"])
                    started_on = AS_OF - timedelta(days=rng.randint(10, 400))
                if status in CONSENTED:
                    consent = "given"
                    review_due = TODAY + timedelta(days=rng.randint(-30, 90))
                elif status == "consent_refused":
                    consent = "refused"
                if status == "closed":
                    closed_on, review_due = TODAY - timedelta(days=rng.randint(1, 200)), None
                needs = sorted(rng.sample(NEEDS, rng.choice([1, 2, 2, 3])))
                size = rng.choice([2, 3, 3, 4, 4, 4, 5, 5, 6])
                adults = 1 if size <= 2 else rng.choice([1, 2])
                add(
                    M.Family(
                        id=i,
                        family_id=f"BF{i:07d}",
                        uprn=f"{100000000000 + i}",
                        district=district,
                        members=size,
                        adults=adults,
                        children=size - adults,
                        needs=";".join(needs),
                        eligible=status != "not_eligible",
                        framework="tf-2015",
                        as_of=AS_OF,
                        status=status,
                        key_worker_id=worker,
                        team_id=team,
                        intensity=intensity,
                        consent=consent,
                        started_on=started_on,
                        review_due=review_due,
                        closed_on=closed_on,
                        closure_reason="Needs met and sustained" if closed_on else "",
                    )
                )
                people = []
                for m in range(size):
                    pid += 1
                    people.append(pid)
                    child = m >= adults
                    born = AS_OF - timedelta(
                        days=rng.randint(1, 17 * 365) if child else rng.randint(19 * 365, 60 * 365)
                    )
                    forename, surname = name()
                    add(
                        M.Person(
                            id=pid,
                            person_id=f"BP{pid:08d}",
                            forename=forename,
                            surname=surname,
                            dob=born,
                            sex=rng.choice("FM"),
                        )
                    )
                    add(M.Member(family_id=i, person_id=pid, role="CHILD" if child else "ADULT"))
                for n in needs:
                    add(
                        M.Need(
                            family_id=i,
                            need=n,
                            first_seen=AS_OF - timedelta(days=365),
                            last_seen=AS_OF,
                            current=rng.random() < 0.9,
                        )
                    )
                for _ in range(rng.choice([3, 4, 4, 5])):
                    n = rng.choice(needs)
                    source, indicator = SOURCES[n]
                    add(
                        M.Evidence(
                            family_id=i,
                            need=n,
                            person_id=rng.choice(people),
                            source=source,
                            row=rng.randint(1, 2_000_000),
                            date=AS_OF - timedelta(days=rng.randint(1, 700)),
                            indicator=indicator,
                        )
                    )
                if rng.random() < 0.05:
                    add(
                        M.FamilyChange(
                            family_id=i, run_id=run.id, summary="Needs changed since the last run"
                        )
                    )
                if status not in ("identified", "nominated"):
                    add(
                        C.Check(
                            family_id=i,
                            by_id=rng.choice(analysts),
                            eligible=status != "not_eligible",
                            framework="tf-2015",
                        )
                    )
                if worker is None:
                    continue
                add(
                    C.Event(
                        family_id=i,
                        kind="allocated",
                        on=started_on,
                        by_id=worker,
                        detail="to the key worker, standard intensity",
                    )
                )
                if consent:
                    add(
                        C.Event(
                            family_id=i, kind="consent", on=started_on, by_id=worker, detail=consent
                        )
                    )
                if status not in CONSENTED:
                    continue
                for part in rng.sample(["worker", "family", "agency", "family"], 3):
                    add(
                        C.Action(
                            family_id=i,
                            part=part,
                            text="Agree a morning routine",
                            owner="Key worker",
                            state=rng.choice(["not_started", "in_progress", "done"]),
                            due=TODAY + timedelta(days=rng.randint(-40, 60)),
                        )
                    )
                for r in range(rng.choice([0, 1, 1, 2])):
                    on = TODAY - timedelta(days=90 * (r + 1))
                    add(
                        C.Review(
                            family_id=i,
                            on=on,
                            by_id=worker,
                            next_due=on + timedelta(90),
                            summary="Progress on attendance; plan kept.",
                        )
                    )
                for _ in range(rng.choice([0, 1, 2])):
                    add(C.Note(family_id=i, by_id=worker, text="Home visit; family engaged."))
            for model in (
                M.Family,
                M.Person,
                M.Member,
                M.Need,
                M.Evidence,
                M.FamilyChange,
                C.Check,
                C.Event,
                C.Action,
                C.Review,
                C.Note,
            ):
                objs = rows.get(model, [])
                model.objects.bulk_create(objs, batch_size=2000)
                counts[model.__name__] = counts.get(model.__name__, 0) + len(objs)
            # Assessments (two, with a score per area) for half the active families.
            active = [f for f in rows[M.Family] if f.status == "active" and rng.random() < 0.5]
            made = C.Assessment.objects.bulk_create(
                [
                    C.Assessment(
                        family_id=f.id, on=f.started_on + timedelta(days=d), by_id=f.key_worker_id
                    )
                    for f in active
                    for d in (20, 110)
                ],
                batch_size=2000,
            )
            scores = [
                C.Score(assessment_id=a.id, area_id=area, score=rng.randint(1, 10))
                for a in made
                for area in areas
            ]
            C.Score.objects.bulk_create(scores, batch_size=2000)
            counts["Assessment"] = counts.get("Assessment", 0) + len(made)
            counts["Score"] = counts.get("Score", 0) + len(scores)
            done = min(lo + chunk - 1, families)
            if done % 20000 == 0 or done == families:
                print(f"  {done:,} families ({time.perf_counter() - started:.0f} s)", flush=True)
        run.families = run.created = families
        run.save(update_fields=["families", "created"])
        models = [Team, users, Profile, M.Family, M.Person, M.Member]
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cur.execute(sql)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(
        f"Filled in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + f", users {uid}, teams {tid}",
        flush=True,
    )


# --------------------------------------------------------------------------- clients


@dataclass
class ClientPlan:
    username: str
    role: str
    family_ids: list[str]  # families the user may see (a sample for analysts)
    pages: int  # pages of the unfiltered list
    districts: list[str]
    needs: list[str]
    workers: list[str]


def plan_clients(n: int, analysts: int, managers: int, seed: int) -> list[ClientPlan]:
    """Which users sign in, and what each may see (straight from the database)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from wholefamily.web.casework.access import visible_families
    from wholefamily.web.families.models import Need

    users = get_user_model()
    rng = random.Random(seed + 1)
    key_workers = n - analysts - managers
    if key_workers < 0:
        sys.exit("--analysts plus --managers exceeds --clients")
    kws = list(users.objects.filter(profile__role="key_worker").order_by("username"))
    mgrs = list(users.objects.filter(profile__role="manager").order_by("username"))
    ans = list(users.objects.filter(profile__role="analyst").order_by("username"))
    # Key workers and managers of different teams, spread over the districts.
    by_team: dict[int, list[Any]] = {}
    for u in kws:
        by_team.setdefault(u.profile.team_id, []).append(u)
    team_ids = sorted(by_team)
    chosen = [
        by_team[team_ids[(i * 7) % len(team_ids)]][i // len(team_ids)] for i in range(key_workers)
    ]
    chosen += [mgrs[(i * 11 + 3) % len(mgrs)] for i in range(managers)]
    chosen += [ans[i % len(ans)] for i in range(analysts)]
    plans = []
    for u in chosen:
        qs = visible_families(u)
        total = qs.count()
        if u.profile.role == "analyst":
            ids = list(qs.order_by("?").values_list("family_id", flat=True)[:5000])
        else:
            ids = list(qs.values_list("family_id", flat=True))
        plans.append(
            ClientPlan(
                username=u.username,
                role=u.profile.role,
                family_ids=ids,
                pages=max(1, math.ceil(total / settings.FAMILIES_PER_PAGE)),
                districts=sorted(set(qs.exclude(district="").values_list("district", flat=True))),
                needs=sorted(
                    set(Need.objects.filter(current=True).values_list("need", flat=True).distinct())
                ),
                workers=sorted(
                    set(qs.exclude(key_worker=None).values_list("key_worker__username", flat=True))
                )[:50],
            )
        )
        rng.shuffle(plans[-1].family_ids)
    return plans


class Browser:
    """One signed-in user: a keep-alive connection and the cookies of the session."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        headers = {"Host": f"{self.host}:{self.port}", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                if attempt == 2:
                    raise
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for k, morsel in jar.items():
                self.cookies[k] = morsel.value
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return resp.status, resp.getheader("Location", ""), text

    def sign_in(self, username: str, password: str) -> None:
        status, _, page = self.request("GET", "/sign-in")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not found or "csrftoken" not in self.cookies:
            raise RuntimeError(f"sign-in page: HTTP {status}, no CSRF token")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": found.group(1),
                "username": username,
                "password": password,
                "next": "",
            }
        )
        status, location, _ = self.request("POST", "/sign-in", form)
        if status != 302 or "sessionid" not in self.cookies or "sign-in" in location:
            raise RuntimeError(f"signing in as {username} failed: HTTP {status} to {location!r}")


def list_path(plan: ClientPlan, rng: random.Random) -> str:
    """The family list with filters and a page as a user would ask for them."""
    q: dict[str, str] = {}
    r = rng.random()
    if r < 0.35:
        pass  # first page, no filter
    elif r < 0.48:
        # The list links only to the previous and next pages: a few clicks on "Next".
        q["page"] = str(rng.randint(2, max(2, min(10, plan.pages))))
    elif r < 0.50:
        q["page"] = str(rng.randint(2, max(2, plan.pages)))  # any page, up to the last
    elif r < 0.70 and plan.districts:
        q["district"] = rng.choice(plan.districts)
    elif r < 0.80:
        q["status"] = rng.choice(["active", "allocated", "identified", "awaiting_allocation"])
    elif r < 0.90 and plan.needs:
        q["need"] = rng.choice(plan.needs)
    elif r < 0.95:
        q["intensity"] = rng.choice(["high", "medium", "standard"])
    elif plan.workers:
        q["key_worker"] = rng.choice(plan.workers)
    if q and "page" not in q and rng.random() < 0.3:
        q["page"] = str(rng.randint(2, 4))
    return "/families" + ("?" + urllib.parse.urlencode(q) if q else "")


@dataclass
class Sample:
    kind: str  # "list" or "family"
    role: str
    ms: float
    ok: bool
    status: int
    path: str


@dataclass
class ClientResult:
    samples: list[Sample] = field(default_factory=list)
    failure: str = ""


def run_client(
    browser: Browser,
    plan: ClientPlan,
    requests: int,
    warmup: int,
    list_share: float,
    think_ms: float,
    seed: int,
    start: threading.Barrier,
    out: ClientResult,
) -> None:
    rng = random.Random(seed)

    def one(measure: bool) -> None:
        if rng.random() < list_share:
            kind, path = "list", list_path(plan, rng)
        else:
            kind = "family"
            path = "/families/" + rng.choice(plan.family_ids)
        t0 = time.perf_counter()
        try:
            status, _, text = browser.request("GET", path)
            ms = (time.perf_counter() - t0) * 1000
            ok = status == 200 and (
                "Families matching the filters" in text
                if kind == "list"
                else path.rsplit("/", 1)[1] in text
            )
        except Exception as exc:  # counted as an error, never fatal to the run
            ms, ok, status = (time.perf_counter() - t0) * 1000, False, 0
            out.failure = f"{type(exc).__name__}: {exc}"
        if measure:
            out.samples.append(Sample(kind, plan.role, ms, ok, status, path))
        if think_ms:
            time.sleep(rng.expovariate(1 / think_ms) / 1000)

    try:
        for _ in range(warmup):
            one(False)
    finally:
        start.wait()
    for _ in range(requests):
        one(True)


# --------------------------------------------------------------------------- server


def start_server(
    workspace: Path, url: str, port: int, threads: int, processes: int, log: Path
) -> Any:
    env = dict(os.environ, DATABASE_URL=url)
    env.pop("WHOLEFAMILY_ALLOWED_HOSTS", None)  # the server's own default
    if "WHOLEFAMILY_ALLOWED_HOSTS" in ORIGINAL_ENV:
        env["WHOLEFAMILY_ALLOWED_HOSTS"] = ORIGINAL_ENV["WHOLEFAMILY_ALLOWED_HOSTS"]
    cmd = [
        str(BIN / "wholefamily"),
        "serve",
        "--workspace",
        str(workspace),
        "--port",
        str(port),
        "--threads",
        str(threads),
        "--processes",
        str(processes),
    ]
    print("Starting: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"The server stopped (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/sign-in")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    proc.terminate()
    sys.exit("The server did not answer within 120 s")


def stop_server(proc: Any) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The process's children (a multi-process server's workers)."""
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found]


def server_cpu(procs: list[Any]) -> float:
    total = 0.0
    for p in procs:
        for pid in (p.pid, *children(p.pid)):
            with contextlib.suppress(OSError):  # a worker that ended meanwhile
                total += cpu_seconds(pid)
    return total


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


# --------------------------------------------------------------------------- report


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")


def stats(samples: list[Sample]) -> dict[str, Any]:
    ms = [s.ms for s in samples if s.ok]
    return {
        "count": len(samples),
        "errors": sum(not s.ok for s in samples),
        "p50": pct(ms, 50),
        "p95": pct(ms, 95),
        "p99": pct(ms, 99),
        "max": max(ms) if ms else float("nan"),
        "mean": sum(ms) / len(ms) if ms else float("nan"),
    }


def table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        f"{'page':<22}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    ]
    for label, s in rows:
        lines.append(
            f"{label:<22}{s['count']:>7}{s['errors']:>8}{s['p50']:>9.0f}{s['p95']:>9.0f}"
            f"{s['p99']:>9.0f}{s['max']:>9.0f}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- profile


def profile(plans: list[ClientPlan], explain: int) -> None:
    """Each page type for one user of each role, in-process: queries, their times, plans."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    users = get_user_model()
    seen: set[str] = set()
    for plan in plans:
        if plan.role in seen:
            continue
        seen.add(plan.role)
        client = Client()
        client.force_login(users.objects.get(username=plan.username))
        paths = [
            ("list", "/families"),
            ("list", f"/families?page={plan.pages}"),
            ("list", "/families?" + urllib.parse.urlencode({"need": plan.needs[0]})),
            ("family", "/families/" + plan.family_ids[0]),
        ]
        for kind, path in paths:
            for _ in range(2):  # the second run is the one reported (warm caches)
                queries: list[tuple[float, str, Any]] = []

                def timer(
                    execute: Any,
                    sql: str,
                    params: Any,
                    many: bool,
                    context: Any,
                    queries: list[tuple[float, str, Any]] = queries,
                ) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return execute(sql, params, many, context)
                    finally:
                        queries.append(((time.perf_counter() - t0) * 1000, sql, params))

                t0 = time.perf_counter()
                with connection.execute_wrapper(timer):
                    resp = client.get(path)
                total = (time.perf_counter() - t0) * 1000
            sql_ms = sum(q[0] for q in queries)
            print(
                f"\n[{plan.role} {plan.username}] {kind} {path}: HTTP {resp.status_code}, "
                f"{total:.0f} ms, {len(queries)} queries, {sql_ms:.0f} ms in SQL"
            )
            for ms, sql, _ in sorted(queries, key=lambda q: q[0], reverse=True)[:5]:
                print(f"  {ms:7.1f} ms  {sql[:300]}")
            for ms, sql, params in sorted(queries, key=lambda q: q[0], reverse=True)[:explain]:
                if ms < 5 or not sql.lstrip().upper().startswith("SELECT"):
                    continue
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plan_text = "\n".join("      " + r[0] for r in cur.fetchall())
                print(f"  EXPLAIN ANALYZE of the {ms:.1f} ms query:\n{plan_text}")


# --------------------------------------------------------------------------- main

ORIGINAL_ENV = dict(os.environ)


def environment(url: str) -> dict[str, str]:
    import django
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg = str(row[0]) if row else "?"
    mem = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "date": date.today().isoformat(),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count()),
        "ram_gib": f"{int(mem.split()[1]) / 1024 / 1024:.1f}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "commit": _commit(),
    }


def _commit() -> str:
    """The checkout's commit, and whether src/ differs from it (or where the app came from)."""
    import wholefamily

    src = Path(wholefamily.__file__).resolve().parents[1]
    if src != HERE.parent / "src":
        return f"app imported from {src}"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with changes in src/" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=20, help="concurrent signed-in clients")
    ap.add_argument(
        "--requests", type=int, default=150, help="measured requests per client (after the warm-up)"
    )
    ap.add_argument("--warmup", type=int, default=5, help="unmeasured requests per client first")
    ap.add_argument("--analysts", type=int, default=3, help="clients signed in as analysts")
    ap.add_argument(
        "--managers",
        type=int,
        default=3,
        help="clients signed in as managers; the rest are key workers of different teams",
    )
    ap.add_argument(
        "--list-share",
        type=float,
        default=0.5,
        help="share of requests for the family list (the rest: family pages)",
    )
    ap.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause between a client's requests (0: back to back)",
    )
    ap.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wf_bench"),
    )
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--threads", type=int, default=20, help="threads per server process")
    ap.add_argument(
        "--processes",
        type=int,
        default=1,
        help="processes of each server (`wholefamily serve --processes`), sharing its port",
    )
    ap.add_argument(
        "--servers",
        type=int,
        default=1,
        help="server processes on ports --port, --port+1, ...; the clients are "
        "spread over them (as behind a load balancer)",
    )
    ap.add_argument("--workspace", type=Path, help="the server's workspace (default: a temp dir)")
    ap.add_argument("--reset", action="store_true", help="drop and refill the database")
    ap.add_argument("--populate-only", action="store_true")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="first render each page for each role in-process and show the SQL",
    )
    ap.add_argument("--no-load", action="store_true", help="skip the load run (with --profile)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("--database-url must name a PostgreSQL database")
    own_workspace = args.workspace is None
    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="wf-web-load-"))
    try:
        return _run(args, workspace)
    finally:
        if own_workspace:
            shutil.rmtree(workspace, ignore_errors=True)


def _run(args: argparse.Namespace, workspace: Path) -> int:
    ensure_database(args.database_url, args.reset)
    setup_django(workspace, args.database_url)
    env = environment(args.database_url)
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in env.items()), flush=True)
    if populated(args.families):
        print(f"Database already holds the {args.families:,} synthetic families: reused")
    else:
        print(f"Filling the database with {args.families:,} synthetic families", flush=True)
        populate(args.families, args.seed)
    if args.populate_only:
        return 0
    plans = plan_clients(args.clients, args.analysts, args.managers, args.seed)
    roles = ", ".join(
        f"{r} {sum(p.role == r for p in plans)}" for r in ("key_worker", "manager", "analyst")
    )
    print(
        f"Clients: {roles}; families each may see: "
        + ", ".join(str(len(p.family_ids)) for p in plans[:5])
        + ", ...",
        flush=True,
    )
    if args.profile:
        profile(plans, explain=2)
    if args.no_load:
        return 0
    from django.db import connections

    connections.close_all()

    ports = [args.port + i for i in range(args.servers)]
    procs: list[Any] = []
    results = [ClientResult() for _ in plans]
    try:
        for port in ports:
            procs.append(
                start_server(
                    workspace,
                    args.database_url,
                    port,
                    args.threads,
                    args.processes,
                    workspace / f"server-{port}.log",
                )
            )
        load0 = os.getloadavg()
        browsers = []
        for i, plan in enumerate(plans):
            b = Browser("127.0.0.1", ports[i % len(ports)])
            b.sign_in(plan.username, PASSWORD)
            browsers.append(b)
        print(
            f"Signed in {len(browsers)} clients; {args.warmup} warm-up and {args.requests} "
            f"measured requests each, {args.list_share:.0%} family list",
            flush=True,
        )
        start = threading.Barrier(len(plans) + 1)
        threads = [
            threading.Thread(
                target=run_client,
                args=(
                    b,
                    p,
                    args.requests,
                    args.warmup,
                    args.list_share,
                    args.think_ms,
                    args.seed * 1000 + i,
                    start,
                    r,
                ),
                daemon=True,
            )
            for i, (b, p, r) in enumerate(zip(browsers, plans, results, strict=True))
        ]
        for t in threads:
            t.start()
        start.wait()
        cpu0, self0, busy0 = server_cpu(procs), time.process_time(), machine_busy()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        cpu1, self1, busy1 = server_cpu(procs), time.process_time(), machine_busy()
        load1 = os.getloadavg()
    finally:
        for proc in procs:
            stop_server(proc)

    samples = [s for r in results for s in r.samples]
    by_kind = {k: stats([s for s in samples if s.kind == k]) for k in KINDS}
    rows = [(k, by_kind[k]) for k in KINDS]
    for k in KINDS:
        for role in ("key_worker", "manager", "analyst"):
            part = [s for s in samples if s.kind == k and s.role == role]
            if part:
                rows.append((f"  {k}, {role}", stats(part)))
    errors = sum(not s.ok for s in samples)
    busy = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    print(
        f"\n{len(samples)} requests by {len(plans)} clients in {wall:.1f} s: "
        f"{len(samples) / wall:.1f} requests/s"
    )
    print(table(rows))
    busy_s = (busy1[0] - busy0[0]) / os.sysconf("SC_CLK_TCK")
    other_s = busy_s - (cpu1 - cpu0) - (self1 - self0)
    print(
        f"CPU over the run: machine {busy:.0%} busy ({env['cpus']} CPUs shared by the server, "
        f"PostgreSQL and this load generator): server process(es) {cpu1 - cpu0:.1f} s, "
        f"load generator {self1 - self0:.1f} s, the rest (PostgreSQL, other processes) "
        f"{other_s:.1f} s, in {wall:.1f} s wall"
    )
    print(f"Load average: {load0[0]:.1f} before the run (this run's own threads add to it)")
    if load0[0] > 1.5:
        print(
            "NOTE: the machine was busy before the run (load average above 1.5): other "
            "processes took CPU from the server, so the figures are pessimistic."
        )
    failures = {r.failure for r in results if r.failure}
    if errors:
        bad = [s for s in samples if not s.ok][:5]
        print(
            f"ERRORS: {errors}; e.g. "
            + "; ".join(f"{s.status} {s.path}" for s in bad)
            + ("; " + "; ".join(failures) if failures else "")
        )
    missed = [k for k in KINDS if not by_kind[k]["p95"] < TARGET_MS]
    for k in KINDS:
        verdict = "MISSED" if k in missed else "met"
        print(
            f"Target p95 < {TARGET_MS:.0f} ms for {k}: {verdict} (p95 {by_kind[k]['p95']:.0f} ms)"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "environment": env,
                    "families": args.families,
                    "clients": len(plans),
                    "roles": roles,
                    "requests": len(samples),
                    "wall_s": wall,
                    "throughput_rps": len(samples) / wall,
                    "machine_busy": busy,
                    "server_cpu_s": cpu1 - cpu0,
                    "other_cpu_s": other_s,
                    "loadgen_cpu_s": self1 - self0,
                    "servers": args.servers,
                    "processes": args.processes,
                    "threads": args.threads,
                    "load_average_before": load0,
                    "load_average_after": load1,
                    "pages": {label.strip(): s for label, s in rows},
                    "think_ms": args.think_ms,
                    "list_share": args.list_share,
                },
                indent=2,
                default=str,
            )
        )
    if missed:
        return 1
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
