"""Output folders are whole or absent, checked before they are read, and the same bytes
for the same run; commands that read the warehouse say in one line when it is held."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from test_cli import WF, assert_one_line_error, run, user_env
from wholefamily import atomic
from wholefamily.frameworks.identify import identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.synth import SynthConfig, generate

AS_OF = date(2025, 3, 31)
LATER = date(2025, 6, 30)
IDENTIFY_FILES = (
    "families.csv",
    "family_needs.csv",
    "family_profile.csv",
    "people.csv",
    "person_records.csv",
    "run.json",
)
# Two indicators that read the same records: every piece of evidence comes twice, equal
# but for the indicator, so only a total order writes the file the same way each time.
TIES = """\
framework: ties
title: two readings of the same offences
eligibility:
  - at_least: 1
needs:
  CRIME:
    description: an offence, read twice
    any_of:
      - indicator: z second reading
        source: police_offences
        who: member
        when: {window: last_months, months: 36, column: outcome_date}
      - indicator: a first reading
        source: police_offences
        who: member
        when: {window: last_months, months: 36, column: outcome_date}
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A county and a workspace linked at AS_OF: (county, workspace)."""
    root = tmp_path_factory.mktemp("atomic")
    generate(SynthConfig(people=1500, seed=3, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    return root / "c", root / "ws"


@pytest.fixture
def ws(base: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the linked workspace of its own."""
    shutil.copytree(base[1], tmp_path / "ws")
    return tmp_path / "ws"


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _paused(args: list[str], after: str) -> subprocess.Popen[str]:
    """A wholefamily command, started with the writer's test-only pause hook set, once
    it has paused after writing `after` into its temporary folder."""
    proc = subprocess.Popen(
        [*WF, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**user_env(), atomic.PAUSE_ENV: after},
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if f"test pause after {after}" in line:
            return proc
    proc.wait(timeout=60)
    raise AssertionError("the command ended without pausing:\n" + "".join(seen))


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _case_rows(ws: Path) -> tuple[int, int]:
    """(families, sync runs) in a workspace's SQLite case database."""
    with sqlite3.connect(ws / "cases.sqlite3") as db:
        families = db.execute("select count(*) from families_family").fetchone()[0]
        runs = db.execute("select count(*) from families_syncrun").fetchone()[0]
    return int(families), int(runs)


# identify and link, killed mid-write ----------------------------------------------------


@pytest.mark.heavy
def test_identify_killed_mid_write_leaves_the_old_run_whole(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    identify(ws, "tf-2015", AS_OF, out)
    before = _bytes(out)
    assert set(before) == set(IDENTIFY_FILES)
    args = ["identify", "--workspace", str(ws), "--as-of", "2025-03-31"]
    proc = _paused([*args, "--framework", "southampton-2013", "--out", str(out)], "families.csv")
    try:
        partial = out.with_name(f"run.tmp-{proc.pid}")
        assert (partial / "families.csv").is_file()  # the new run is being written...
        assert _bytes(out) == before  # ...beside the old one, untouched
    finally:
        _kill(proc)
    assert _bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", partial.name, "ws"]
    # The half-written folder is refused by sync, in one line, and nothing is written.
    res = run("web", "sync", str(partial), "--workspace", str(ws))
    assert_one_line_error(res, "lacks")
    assert _case_rows(ws) == (0, 0)
    # The old run is whole and syncs; the next write to the folder clears the leftover.
    res = run("web", "sync", str(out), "--workspace", str(ws))
    assert res.returncode == 0, res.stderr
    assert _case_rows(ws)[1] == 1
    identify(ws, "southampton-2013", AS_OF, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "ws"]
    assert json.loads((out / "run.json").read_text())["framework"] == "southampton-2013"


def test_sync_refuses_a_folder_mixing_two_runs(ws: Path, tmp_path: Path) -> None:
    """The folder issue 14 found: new people.csv and families.csv with the old run.json
    and family_profile.csv."""
    old, new = tmp_path / "old", tmp_path / "new"
    identify(ws, "tf-2015", AS_OF, old)
    identify(ws, "southampton-2013", AS_OF, new)
    assert (old / "families.csv").read_bytes() != (new / "families.csv").read_bytes()
    for name in ("people.csv", "families.csv"):
        shutil.copy(new / name, old / name)
    res = run("web", "sync", str(old), "--workspace", str(ws))
    assert_one_line_error(res, f"{old / 'families.csv'} does not match its checksum")
    assert _case_rows(ws) == (0, 0)


@pytest.mark.heavy
def test_link_killed_mid_write_commits_nothing(ws: Path, tmp_path: Path) -> None:
    out = ws / "runs" / "d"  # written by the fixture's link at AS_OF
    before = _bytes(out)
    assert json.loads(before["run.json"])["as_of"] == AS_OF.isoformat()
    args = ["link", "--workspace", str(ws), "--drop", "d", "--as-of", LATER.isoformat()]
    proc = _paused(args, "person_records.csv")
    partial = out.with_name(f"d.tmp-{proc.pid}")
    _kill(proc)
    # The folder is the old one, whole; the warehouse still holds the AS_OF linkage.
    assert _bytes(out) == before
    with atomic.verified(out, ("people.csv", "person_records.csv")) as (meta, _):
        assert meta["as_of"] == AS_OF.isoformat()
    assert sorted(p.name for p in partial.iterdir()) == ["person_records.csv"]
    res = run(
        "identify", "--workspace", str(ws), "--as-of", LATER.isoformat(), "--framework", "tf-2015",
        "--out", str(tmp_path / "later"),
    )  # fmt: skip
    assert_one_line_error(res, f"linked as of {AS_OF}")
    # Neither the half-written folder nor the link folder is an identification run.
    for folder in (partial, out):
        assert_one_line_error(run("web", "sync", str(folder), "--workspace", str(ws)), "lacks")
    assert _case_rows(ws) == (0, 0)
    # The next link clears the leftover and puts a whole folder in place.
    res = run(*args)
    assert res.returncode == 0, res.stderr
    assert not partial.exists()
    with atomic.verified(out, ("people.csv", "person_records.csv")) as (meta, _):
        assert meta["as_of"] == LATER.isoformat()


def test_link_that_cannot_write_its_outputs_links_nothing(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wholefamily.linkage.link import LinkError

    link_module = sys.modules["wholefamily.linkage.link"]  # the package's `link` is the function

    def later(kind: str) -> str:
        res = run(
            "identify", "--workspace", str(ws), "--as-of", LATER.isoformat(),
            "--framework", "tf-2015", "--out", str(tmp_path / kind),
        )  # fmt: skip
        return res.stderr

    # A folder that cannot be replaced is refused before any work.
    (tmp_path / "a-file").write_text("x")
    res = run(
        "link", "--workspace", str(ws), "--as-of", LATER.isoformat(),
        "--out", str(tmp_path / "a-file"),
    )  # fmt: skip
    assert_one_line_error(res, "a-file exists and is not a folder")
    # A disk that fills while the outputs are written: the linkage is not committed.
    written = link_module.write_outputs

    def full_disk(con: object, staged: atomic.Staged) -> None:
        written(con, staged)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(link_module, "write_outputs", full_disk)
    with pytest.raises(LinkError, match="No space left on device; nothing was linked"):
        link(ws, "d", LATER, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "ws"]
    assert f"linked as of {AS_OF}" in later("x")


# the same bytes for the same run ---------------------------------------------------------


def test_identical_runs_write_identical_bytes(ws: Path, tmp_path: Path) -> None:
    ties = tmp_path / "ties.yaml"
    ties.write_text(TIES)
    for k in range(3):
        identify(ws, str(ties), AS_OF, tmp_path / f"r{k}")
        link(ws, "d", AS_OF, out=tmp_path / f"l{k}")
    first = _bytes(tmp_path / "r0")
    assert set(first) == set(IDENTIFY_FILES)
    for k in (1, 2):
        assert _bytes(tmp_path / f"r{k}") == first
        assert _bytes(tmp_path / f"l{k}") == _bytes(tmp_path / "l0")
    rows = list(csv.reader((tmp_path / "r0" / "family_needs.csv").open()))[1:]
    indicators = {r[6] for r in rows}
    assert indicators == {"a first reading", "z second reading"}
    key = [(r[0], r[1], r[2], r[3], int(r[4]), r[5], r[6]) for r in rows]
    assert key == sorted(key) and len(set(key)) == len(key)


def test_claim_file_rows_are_in_family_and_result_order() -> None:
    from wholefamily.web.claims.services import claim_rows

    def line(fid: str, result: str) -> SimpleNamespace:
        return SimpleNamespace(
            claim=SimpleNamespace(period="2025Q1", claim_date=AS_OF),
            framework="tf-2015",
            family=SimpleNamespace(family_id=fid),
            result=result,
            progress=SimpleNamespace(baseline=SimpleNamespace(start=date(2024, 9, 30))),
            amount=800,
            signed_by=SimpleNamespace(get_username=lambda: "manager"),
            signed_at=datetime(2025, 4, 1, 9, 30),
        )

    lines = [line("F2", "progress"), line("F1", "progress"), line("F1", "employment")]
    rows = claim_rows(lines)
    assert [(r["family_id"], r["result"]) for r in rows] == [
        ("F1", "employment"),
        ("F1", "progress"),
        ("F2", "progress"),
    ]


# the helper -----------------------------------------------------------------------------


@pytest.fixture
def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _write(out: Path, files: dict[str, str], **run: str) -> None:
    with atomic.staged_folder(out, run=dict(run), names=tuple(files)) as staged:
        for name, text in files.items():
            (staged.path / name).write_text(text)
            staged.wrote(name)


def test_a_kill_between_the_two_renames_is_put_right(tmp_path: Path, dead_pid: int) -> None:
    """Where the folders cannot be exchanged in one step, the old one is renamed aside
    first: a writer killed then leaves OUT missing and OUT.old-PID whole; the next
    write puts the old folder back before it starts, then replaces it."""
    out = tmp_path / "out"
    _write(out, {"a.csv": "old\n"}, step="old")
    os.replace(out, tmp_path / f"out.old-{dead_pid}")
    (tmp_path / f"out.tmp-{dead_pid}").mkdir()  # the new folder, never renamed in
    atomic.settle(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "a.csv").read_text() == "old\n"
    _write(out, {"a.csv": "new\n"}, step="new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with atomic.verified(out, ["a.csv"]) as (meta, files):
        assert meta == {"step": "new"} and files["a.csv"].read() == b"new\n"


def test_a_live_writer_s_folder_is_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / f"out.tmp-{os.getppid()}"  # a process that is alive: our parent
    mine.mkdir()
    _write(tmp_path / "out", {"a.csv": "x\n"})
    assert mine.is_dir()


def test_a_folder_of_someone_s_own_files_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "letter.docx").write_text("mine")
    with pytest.raises(atomic.FolderError, match=r"holds letter\.docx"):
        _write(out, {"a.csv": "x\n"})
    assert sorted(p.name for p in out.iterdir()) == ["letter.docx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents"]
    # A run's folder is replaced, with files it listed and the old version's leftovers.
    _write(tmp_path / "run", {"a.csv": "1\n", "b.csv": "2\n"})
    (tmp_path / "run" / "a.csv.tmp").write_text("half")
    _write(tmp_path / "run", {"a.csv": "3\n"})
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["a.csv", "run.json"]


def test_a_link_to_a_run_folder_replaces_the_folder_it_points_at(tmp_path: Path) -> None:
    _write(tmp_path / "real", {"a.csv": "1\n"})
    (tmp_path / "latest").symlink_to(tmp_path / "real")
    _write(tmp_path / "latest", {"a.csv": "2\n"})
    assert (tmp_path / "latest").is_symlink()
    assert (tmp_path / "real" / "a.csv").read_text() == "2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "real"]


def test_verified_names_what_does_not_check_out(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _write(out, {"a.csv": "1\n", "b.csv": "2\n"}, step="x")
    (out / "b.csv").write_text("changed\n")
    with (
        pytest.raises(atomic.FolderError, match=r"b\.csv does not match its checksum"),
        atomic.verified(out, ["a.csv"]),
    ):
        pass
    (out / "b.csv").unlink()
    with (
        pytest.raises(atomic.FolderError, match=r"b\.csv is missing"),
        atomic.verified(out, ["a.csv"]),
    ):
        pass
    _write(out, {"a.csv": "1\n"}, step="x")
    with (
        pytest.raises(atomic.FolderError, match=r"c\.csv is not listed"),
        atomic.verified(out, ["a.csv", "c.csv"]),
    ):
        pass
    (out / "c.csv").write_text("extra\n")
    with (
        pytest.raises(atomic.FolderError, match=r"c\.csv is not listed"),
        atomic.verified(out, ["a.csv"], optional=["c.csv"]),
    ):
        pass
    (out / "run.json").write_text(json.dumps({"step": "x"}))
    with (
        pytest.raises(atomic.FolderError, match=r"run\.json lists no checksums"),
        atomic.verified(out, ["a.csv"]),
    ):
        pass


# sync, in the case database ---------------------------------------------------------------


@pytest.fixture
def identified(ws: Path, tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "run"
    identify(ws, "tf-2015", AS_OF, out)
    yield out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("change", "family_needs.csv does not match its checksum"),
        ("remove_profile", "family_profile.csv is missing"),
        ("no_map", "run.json lists no checksums"),
        ("unlisted_profile", "family_profile.csv is not listed"),
    ],
)
def test_sync_refuses_a_folder_that_does_not_check_out(
    identified: Path, damage: str, said: str
) -> None:
    from wholefamily.web.families.models import Family, SyncRun
    from wholefamily.web.families.sync import SyncError, sync

    run_json = identified / "run.json"
    meta = json.loads(run_json.read_text())
    if damage == "change":
        with (identified / "family_needs.csv").open("a") as f:
            f.write('"F99999999","CRIME_ASB","P1","asb",1,2025-01-01,"forged"\n')
    elif damage == "remove_profile":
        (identified / "family_profile.csv").unlink()
    elif damage == "no_map":
        run_json.write_text(json.dumps({k: v for k, v in meta.items() if k != "files"}))
    else:
        del meta["files"]["family_profile.csv"]
        run_json.write_text(json.dumps(meta))
    with pytest.raises(SyncError, match=said):
        sync(identified)
    assert Family.objects.count() == 0 and SyncRun.objects.count() == 0


@pytest.mark.django_db
def test_sync_reads_a_whole_run(identified: Path) -> None:
    from wholefamily.web.families.models import Family
    from wholefamily.web.families.sync import sync

    r = sync(identified)
    services = {
        x["family_id"]
        for x in csv.DictReader((identified / "family_profile.csv").open())
        if x["childrens_services"] == "Y"
    }
    eligible = {
        x["family_id"]
        for x in csv.DictReader((identified / "families.csv").open())
        if x["eligible"] == "Y"
    }
    # The eligible families, and those children's services worked with.
    assert r.families == len(eligible | services) == Family.objects.count() > 0
    assert r.childrens_services == len(services - eligible) > 0


# one line when the warehouse is held, or a setting is missing ------------------------------


@pytest.fixture
def held(ws: Path) -> Iterator[Path]:
    """The workspace's warehouse held open for writing by another process."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(300)",
            str(ws / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield ws
    finally:
        holder.kill()
        holder.wait(timeout=60)


@pytest.mark.parametrize(
    "command",
    [
        ["identify", "--framework", "tf-2015", "--out", "{tmp}/out"],
        ["explain", "F00000001", "--framework", "tf-2015"],
        ["compare", "--framework", "tf-2015", "--framework", "sf-2022"],
        ["evaluate", "identification", "--truth", "{county}", "--framework", "tf-2015"],
    ],
    ids=["identify", "explain", "compare", "evaluate-identification"],
)
def test_a_held_warehouse_is_one_line(
    held: Path, base: tuple[Path, Path], tmp_path: Path, command: list[str]
) -> None:
    args = [a.format(tmp=tmp_path, county=base[0]) for a in command]
    res = run(*args, "--as-of", "2025-03-31", "--workspace", str(held))
    assert_one_line_error(res, f"the warehouse {held / 'warehouse.duckdb'} is in use")
    assert not (tmp_path / "out").exists()


def test_web_manage_without_the_secret_key_is_one_line(tmp_path: Path) -> None:
    env = {**user_env(), "DJANGO_SETTINGS_MODULE": "wholefamily.web.settings_production"}
    env.pop("WHOLEFAMILY_SECRET_KEY", None)
    res = subprocess.run(
        [*WF, "web", "manage", "check", "--workspace", str(tmp_path / "ws")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert_one_line_error(res, "WHOLEFAMILY_SECRET_KEY is not set")


def test_web_manage_on_a_workspace_not_made_yet_is_made_or_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "WHOLEFAMILY_SECRET_KEY": "key-for-this-test-only-0123456789abcdef"}
    res = subprocess.run(
        [*WF, "web", "manage", "check", "--workspace", str(tmp_path / "new")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "cases.sqlite3").mkdir()  # where the database file should be
    res = subprocess.run(
        [*WF, "web", "manage", "migrate", "--workspace", str(tmp_path / "ro")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.count("\n") == 1 and "cannot open the case database" in res.stderr
