"""Baselines frozen at the start of the work, and movement measured against them."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from test_cli import run, user_env
from webkit import client_for, date_fields, family, user
from wholefamily import warehouse as W
from wholefamily.frameworks.engine import linked_people
from wholefamily.frameworks.files import check, shipped
from wholefamily.frameworks.identify import identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.outcomes import measure, only
from wholefamily.synth import SynthConfig, generate
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.families.models import Family, Status
from wholefamily.web.families.sync import sync
from wholefamily.web.progress.models import Baseline, Progress

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 3, 31)


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("progress")
    generate(SynthConfig(people=3000, seed=21, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    identify(root / "ws", "tf-2015", AS_OF, root / "run")
    return root / "ws", root / "run"


def _start_work(fid: str) -> tuple[object, object]:
    north = Team.objects.create(name="North")
    kw, manager = user("kim", Role.KEY_WORKER, north), user("morgan", Role.MANAGER, north)
    Family.objects.filter(family_id=fid).update(status=Status.ALLOCATED, key_worker=kw, team=north)
    r = client_for(kw).post(
        reverse("consent", args=[fid]),
        {"decision": "given", **date_fields("on", AS_OF)},
        follow=True,
    )
    return r, manager


def test_consent_freezes_the_baseline_and_movement_measures_it(
    linked: tuple[Path, Path], settings, tmp_path: Path
) -> None:
    ws, run_dir = linked
    settings.WORKSPACE = ws
    sync(run_dir)
    fam = Family.objects.filter(eligible=True).order_by("family_id").first()
    assert fam is not None
    r, manager = _start_work(fam.family_id)
    assert b"Baseline version 1 frozen" in r.content
    b = Baseline.objects.get()
    assert (b.version, b.start, b.framework, b.needs) == (1, AS_OF, "tf-2015", fam.needs)
    # The counts are the engine's, for this family, at the start.
    fw = check(shipped()["tf-2015"]).data
    con = W.connect(ws, read_only=True)
    try:
        expected = measure(con, fw, "d", AS_OF, only(linked_people(con), [fam.family_id]))
    finally:
        con.disconnect()
    assert {(n, i): c for n, i, c in b.counts} == {(n, i): c for (_, n, i), c in expected.items()}
    assert any(c > 0 for _, _, c in b.counts)  # an eligible family shows something at S

    # A baseline is never edited; a correction is a new version with its reason.
    b.reason = "edited"
    with pytest.raises(ValueError, match="never changed"):
        b.save()
    c = client_for(manager)
    r = c.post(reverse("baseline", args=[fam.family_id]), {"reason": ""})
    assert b"Enter why the baseline is being frozen again" in r.content
    c.post(reverse("baseline", args=[fam.family_id]), {"reason": "police corrected a record"})
    assert list(Baseline.objects.values_list("version", "reason").order_by("version")) == [
        (1, "work started (consent given)"),
        (2, "police corrected a record"),
    ]

    # Movement at a later date against the latest version.
    from wholefamily.web.progress.services import movement

    (p,) = movement(date(2025, 9, 30))
    assert p.baseline.version == 2 and p.at == date(2025, 9, 30)
    assert {n["need"] for n in p.needs} == set(fam.need_list)
    page = client_for(manager).get(reverse("family", args=[fam.family_id])).content.decode()
    assert "Progress since the start" in page and "Measured at 30 September 2025" in page
    assert Progress.objects.count() == 1


def test_without_a_linked_warehouse_the_baseline_waits(settings, tmp_path: Path) -> None:
    settings.WORKSPACE = tmp_path / "empty"
    family("F1", status=Status.ALLOCATED)
    r, _ = _start_work("F1")
    assert b"The baseline could not be frozen yet: no warehouse" in r.content
    assert Family.objects.get().status == Status.ACTIVE  # the case work goes on
    assert not Baseline.objects.exists()
    assert b"the baseline is not frozen yet" in r.content


def test_movement_command(linked: tuple[Path, Path], tmp_path: Path) -> None:
    ws, run_dir = linked
    empty = run("movement", "--workspace", str(ws))
    assert empty.returncode == 0 and "No family has a baseline yet" in empty.stdout
    bad = run("movement", "--workspace", str(ws), "--at", "30/09/2025")
    assert bad.returncode == 2 and "must be a date" in bad.stderr
    res = run("web", "sync", str(run_dir), "--workspace", str(ws))
    assert res.returncode == 0, res.stderr
    # Freeze a baseline in the workspace's own case database, as the web app would.
    code = (
        "from pathlib import Path; from datetime import date\n"
        f"from wholefamily.web import configure; configure(Path({str(ws)!r}))\n"
        "from wholefamily.web.families.models import Family\n"
        "from wholefamily.web.demo import make_user\n"
        "from wholefamily.web.progress.services import freeze\n"
        "u, _ = make_user('alex', 'analyst', password='pw-for-tests-123')\n"
        "for f in Family.objects.filter(eligible=True)[:3]: freeze(f, date(2025, 3, 31), u, 'x')\n"
    )
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=user_env()
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "m.csv"
    res = run("movement", "--workspace", str(ws), "--at", "2025-09-30", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "3 families measured" in res.stdout
    rows = list(csv.DictReader(out.open()))
    assert {r["family_id"] for r in rows} and len({r["family_id"] for r in rows}) == 3
    assert all(int(r["change"]) == int(r["now"]) - int(r["at_start"]) for r in rows)
    # In the order of a total key, so the same measurement writes the same file.
    key = [(r["family_id"], r["framework"], r["need"], r["test"]) for r in rows]
    assert key == sorted(set(key))


def test_the_family_page_counts_the_weeks_left_to_sustain(settings) -> None:
    from datetime import timedelta

    from wholefamily.web.progress.models import Baseline

    analyst = user("alex", Role.ANALYST)
    f = family("F1", status=Status.CLOSED)
    Family.objects.filter(pk=f.pk).update(
        framework="sf-2022", closed_on=date.today() - timedelta(days=170)
    )
    Baseline.objects.create(
        family=f,
        version=1,
        start=date(2024, 1, 1),
        framework="sf-2022",
        drop_id="d",
        needs="HEALTH",
        counts=[],
        claimants={},
        reason="x",
        by=analyst,
    )
    page = client_for(analyst).get(reverse("family", args=["F1"])).content.decode()
    assert "2 more weeks to sustain (13 days)" in page
    Family.objects.filter(pk=f.pk).update(closed_on=date.today() - timedelta(days=183))
    page = client_for(analyst).get(reverse("family", args=["F1"])).content.decode()
    assert "Sustained for 183 days since closure" in page
    Family.objects.filter(pk=f.pk).update(framework="tf-2015")  # no sustainment rule
    page = client_for(analyst).get(reverse("family", args=["F1"])).content.decode()
    assert "to sustain" not in page and "Sustained" not in page


def test_needs_found_during_the_work_are_judged_under_sf_2022(
    linked: tuple[Path, Path], settings
) -> None:
    """sf-2022 judges every need identified for the family, at the start and during the
    work: one the data shows first after the start and one a key worker records."""
    from wholefamily.web.families.models import Need
    from wholefamily.web.progress.models import FoundNeed
    from wholefamily.web.progress.services import freeze, movement, needs_to_judge

    ws, run_dir = linked
    settings.WORKSPACE = ws
    sync(run_dir)
    fam = Family.objects.filter(eligible=True).order_by("family_id").first()
    assert fam is not None
    north = Team.objects.create(name="North")
    kw = user("kim", Role.KEY_WORKER, north)
    Family.objects.filter(pk=fam.pk).update(
        framework="sf-2022", status=Status.ACTIVE, key_worker=kw, team=north, started_on=AS_OF
    )
    fam.refresh_from_db()
    b = freeze(fam, AS_OF, kw, "work started")
    at_start = set(b.need_list)
    later = sorted({"HOUSING", "RELATIONSHIPS", "EARLY_YEARS"} - at_start)
    assert len(later) >= 2
    Need.objects.create(
        family=fam, need=later[0], first_seen=date(2025, 6, 30), last_seen=date(2025, 6, 30)
    )
    c = client_for(kw)
    page = c.get(reverse("family", args=[fam.family_id])).content.decode()
    assert "Record a need found during the work" in page
    form = {"need": later[1], "note": "arguments at home", **date_fields("found_on", AS_OF)}
    r = c.post(reverse("found_need", args=[fam.family_id]), {**form, "need": ""})
    assert b"Select the need found" in r.content
    before = {**form, **date_fields("found_on", date(2025, 3, 30))}
    r = c.post(reverse("found_need", args=[fam.family_id]), before)
    assert b"must be the same as or after the start of the work, 31 March 2025" in r.content
    r = c.post(reverse("found_need", args=[fam.family_id]), {**form, "need": at_start.pop()})
    assert b"Select a valid choice" in r.content  # a need at the start is not found later
    r = c.post(reverse("found_need", args=[fam.family_id]), form)
    assert r.status_code == 302 and FoundNeed.objects.get().need == later[1]
    page = c.get(reverse("family", args=[fam.family_id])).content.decode()
    assert "Needs found during the work" in page and "arguments at home" in page

    judged = needs_to_judge(check(shipped()["sf-2022"]).data, [b], date(2025, 9, 30))[b.pk]
    assert judged == set(b.need_list) | {later[0], later[1]}
    # Before the data showed it, only the recorded one counts; tf-2015 counts neither.
    judged = needs_to_judge(check(shipped()["sf-2022"]).data, [b], date(2025, 4, 30))[b.pk]
    assert judged == set(b.need_list) | {later[1]}
    tf = check(shipped()["tf-2015"]).data
    assert needs_to_judge(tf, [b], date(2025, 9, 30))[b.pk] == set(b.need_list)
    (p,) = movement(date(2025, 9, 30))
    measured = {n["need"]: n for n in p.needs}
    assert set(measured) == set(b.need_list) | {later[0], later[1]}
    assert all(measured[n]["tests"] for n in later[:2])  # judged by sf-2022's own tests
    if not all(measured[n]["met"] for n in later[:2]):
        assert p.route == ""  # a need found later and not met holds the family back


def test_recording_a_found_need_is_for_frameworks_that_count_them() -> None:
    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    kw, other = user("kim", Role.KEY_WORKER, north), user("sam", Role.KEY_WORKER, south)
    f = family("F1", key_worker=kw, team=north, consent="given")
    Family.objects.filter(pk=f.pk).update(framework="sf-2022", started_on=AS_OF)
    assert client_for(kw).get(reverse("found_need", args=["F1"])).status_code == 200
    assert client_for(other).get(reverse("found_need", args=["F1"])).status_code == 404
    analyst = user("alex", Role.ANALYST)
    assert client_for(analyst).get(reverse("found_need", args=["F1"])).status_code == 404
    Family.objects.filter(pk=f.pk).update(framework="tf-2015")
    assert client_for(kw).get(reverse("found_need", args=["F1"])).status_code == 404
    page = client_for(kw).get(reverse("family", args=["F1"])).content.decode()
    assert "Record a need found during the work" not in page


def test_bench_outcomes(linked: tuple[Path, Path]) -> None:
    ws, _ = linked
    res = run("bench", "outcomes", "--workspace", str(ws), "--families", "40")
    assert res.returncode == 0, res.stderr
    assert "outcomes for 40 families (tf-2015, 2024-03-31 to 2025-03-31)" in res.stdout
    bad = run("bench", "outcomes", "--workspace", str(ws.parent / "nowhere"))
    assert bad.returncode == 2 and "no warehouse" in bad.stderr


def test_sync_takes_each_familys_profile(linked: tuple[Path, Path]) -> None:
    _, run_dir = linked
    sync(run_dir)
    profile = {r["family_id"]: r for r in csv.DictReader((run_dir / "family_profile.csv").open())}
    synced = Family.objects.all()
    assert synced
    for f in synced:
        p = profile[f.family_id]
        assert (f.council_tenant, f.known_to_social_care, f.domestic_abuse) == tuple(
            p[k] == "Y" for k in ("council_tenant", "known_to_social_care", "domestic_abuse")
        )


def test_the_demo_case_work(linked: tuple[Path, Path], settings) -> None:
    """`wholefamily demo`'s made-up year: families worked with from the start, baselines,
    a measurement and a claim at the end, half of it signed off; funding and targets."""
    from wholefamily.web.claims.models import Funding, Line, Target
    from wholefamily.web.demo import demo_accounts, demo_casework

    ws, run_dir = linked
    settings.WORKSPACE = ws
    sync(run_dir)
    demo_accounts()
    start, claim_at = date(2024, 9, 30), AS_OF
    made = demo_casework(start, claim_at)
    eligible = Family.objects.filter(eligible=True).count()
    active = Family.objects.filter(status=Status.ACTIVE, started_on=start, consent="given")
    assert made["allocated"] == active.count() > 0
    assert made["allocated"] + made["refused"] <= eligible
    assert made["baselines"] == Baseline.objects.filter(start=start).count() == made["allocated"]
    assert Progress.objects.filter(at=claim_at).count() == made["allocated"]
    lines = Line.objects.filter(claim__period="2025Q1")
    assert made["claimed"] == lines.filter(signed_at__isnull=False).count()
    assert made["claimed"] == (lines.count() + 1) // 2
    assert (
        {f.year for f in Funding.objects.all()}
        == {"2024/25"}
        == {t.year for t in Target.objects.all()}
    )
