"""Several councils in one run: `synth-pair`, `run --council LA=DROP`, the per-council
outputs and summary, and the movers' person ids measured against the truth."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from wholefamily.linkage.movers import movers_score
from wholefamily.synth import SynthConfig
from wholefamily.synth.pair import generate_pair

WF = [sys.executable, "-m", "wholefamily"]
AS_OF = "2026-09-30"
A, B = "838", "839"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WF, *args], capture_output=True, text=True, check=False, timeout=600)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def pair_of(out: Path, people: int, movers: int, seed: int = 3) -> Path:
    cfg = SynthConfig(people=people, seed=seed, as_of=date.fromisoformat(AS_OF), out=out)
    generate_pair(cfg, movers, A, B)
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pair_of(tmp_path_factory.mktemp("pair") / "p", 2500, 80)


def run_pair(pair: Path, ws: Path, out: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """`run --council` over the pair's two drops, tf-2015, into `out` (`more`: further
    options, such as the engine)."""
    a, b = f"{A}={pair / A / 'drop'}", f"{B}={pair / B / 'drop'}"
    return run(
        "run", "--council", a, "--council", b, "--as-of", AS_OF, "--framework", "tf-2015",
        "--workspace", str(ws), "--out", str(out), "--no-sync", *more,
    )  # fmt: skip


@pytest.fixture(scope="module")
def ran(pair: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("run")
    ws, out = base / "ws", base / "out"
    res = run_pair(pair, ws, out)
    assert res.returncode == 0, res.stderr
    return ws, out


# ------------------------------------------------------------------ the pair


def test_pair_is_deterministic_and_its_addresses_distinct(tmp_path: Path) -> None:
    one = pair_of(tmp_path / "one", 1200, 20, seed=9)
    two = pair_of(tmp_path / "two", 1200, 20, seed=9)
    assert digest(one) == digest(two)
    gaz = {la: rows(one / la / "drop" / "gazetteer.csv") for la in (A, B)}
    assert not {r["uprn"] for r in gaz[A]} & {r["uprn"] for r in gaz[B]}
    assert not {r["postcode"] for r in gaz[A]} & {r["postcode"] for r in gaz[B]}
    assert all(r["postcode"][:2] in ("XW", "YW", "ZW") for r in gaz[B])
    movers = rows(one / "truth_movers.csv")
    assert len({m["family_a"] for m in movers}) == 20
    # A mover's B rows carry the A person's name and date of birth.
    truth_a = {r["person_id"]: r for r in rows(one / A / "truth_people.csv")}
    truth_b = rows(one / B / "truth_records.csv")
    census = rows(one / B / "drop" / "school_census.csv")
    to_a = {m["person_b"]: m["person_a"] for m in movers}
    checked = 0
    for r in truth_b:
        if r["source"] == "school_census" and r["person_id"] in to_a:
            row = census[int(r["row"]) - 1]
            assert row["dob"] == truth_a[to_a[r["person_id"]]]["dob"]
            checked += 1
    assert checked


def test_pair_refuses_more_movers_than_families(tmp_path: Path) -> None:
    res = run("synth-pair", "--people", "300", "--movers", "5000", "--out", str(tmp_path / "p"))
    assert res.returncode == 2
    assert "fewer than 5,000" in res.stderr
    assert not (tmp_path / "p").exists()


# ------------------------------------------------------------------ the run


def test_movers_keep_one_person_id(pair: Path, ran: tuple[Path, Path]) -> None:
    _, out = ran
    score = movers_score(pair, out / A, out / B)
    assert score.people > 150
    assert score.share >= 0.9, score


def test_each_council_holds_only_its_own(pair: Path, ran: tuple[Path, Path]) -> None:
    _, out = ran
    uprns = {la: {r["uprn"] for r in rows(pair / la / "drop" / "gazetteer.csv")} for la in (A, B)}
    people = {la: rows(out / la / "people.csv") for la in (A, B)}
    families = {la: rows(out / la / "families.csv") for la in (A, B)}
    for la in (A, B):
        assert families[la], la
        assert {f["la_code"] for f in families[la]} == {la}
        assert all(f["uprn"] in uprns[la] for f in families[la])
        assert all(p["uprn"] in uprns[la] for p in people[la] if p["uprn"])
        fams = {f["family_id"] for f in families[la]}
        assert {p["family_id"] for p in people[la] if p["family_id"]} == fams
        needs = rows(out / la / "family_needs.csv")
        assert {n["family_id"] for n in needs} <= fams
        # person_records: the council's own rows, every one of them named in its truth.
        truth = {(r["source"], r["row"]) for r in rows(pair / la / "truth_records.csv")}
        mine = {(r["source"], r["row"]) for r in rows(out / la / "person_records.csv")}
        assert mine and mine <= truth
    assert not {p["person_id"] for p in people[A]} & {p["person_id"] for p in people[B]}
    assert not {f["family_id"] for f in families[A]} & {f["family_id"] for f in families[B]}
    # A family that moved in brings evidence from its old council's rows.
    sources = {n["record_la_code"] for n in rows(out / B / "family_needs.csv")}
    assert sources <= {A, B}


def test_summary_adds_up(ran: tuple[Path, Path]) -> None:
    _, out = ran
    summary = {r["la_code"]: r for r in rows(out / "councils.csv")}
    assert set(summary) == {A, B, "total"}
    for la in (A, B):
        s = summary[la]
        assert int(s["people"]) == len(rows(out / la / "people.csv"))
        fams = rows(out / la / "families.csv")
        assert int(s["families"]) == len(fams)
        assert int(s["eligible"]) == sum(f["eligible"] == "Y" for f in fams)
    for col in ("people", "families", "eligible", "linked_across"):
        assert int(summary["total"][col]) == sum(int(summary[la][col]) for la in (A, B))
    # The movers live in B now: most people linked across councils are B's.
    assert int(summary[B]["linked_across"]) > int(summary[A]["linked_across"])
    across = {r["person_id"] for r in rows(out / A / "person_records.csv")} & {
        r["person_id"] for r in rows(out / B / "person_records.csv")
    }
    assert len(across) == int(summary["total"]["linked_across"])


def test_a_second_run_keeps_the_ids(pair: Path, ran: tuple[Path, Path], tmp_path: Path) -> None:
    ws, out = ran
    again = tmp_path / "again"
    res = run_pair(pair, ws, again)
    assert res.returncode == 0, res.stderr
    for la in (A, B):
        for name in ("person_records.csv", "people.csv", "families.csv", "family_needs.csv"):
            assert (again / la / name).read_bytes() == (out / la / name).read_bytes(), name


def test_single_drop_commands_refuse_a_councils_linkage(ran: tuple[Path, Path]) -> None:
    ws, out = ran
    res = run(
        "identify", "--as-of", AS_OF, "--framework", "tf-2015", "--out", str(out / "x"),
        "--workspace", str(ws),
    )  # fmt: skip
    assert res.returncode == 2
    assert "several councils" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (out / "x").exists()


# ------------------------------------------------------------------ bad input


def bad_run(ws: Path, *council: str, drop: str | None = None) -> subprocess.CompletedProcess[str]:
    args = ["run", *([drop] if drop else [])]
    for c in council:
        args += ["--council", c]
    return run(*args, "--as-of", AS_OF, "--framework", "tf-2015", "--workspace", str(ws))


@pytest.mark.parametrize(
    ("given", "needle"),
    [
        (["83=A"], "three-digit DfE code"),
        (["abc=A"], "three-digit DfE code"),
        (["838"], "give LA=DROP"),
        (["838=A", "838=B"], "council 838 is given twice"),
        (["838=A", "839=missing"], "does not exist"),
        (["838=A", "839=A"], "given for two councils"),
        (["838=A", "839=C"], "is the same file as"),
    ],
)
def test_bad_councils(tmp_path: Path, given: list[str], needle: str) -> None:
    for name in ("A", "B"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "asb.csv").write_text(f"incident_ref\n{name}\n", encoding="utf-8")
    shutil.copytree(tmp_path / "A", tmp_path / "C")
    ws = tmp_path / "ws"
    res = bad_run(ws, *(g.replace("=", f"={tmp_path}/", 1) if "=" in g else g for g in given))
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert needle in lines[0]
    assert "Traceback" not in res.stderr
    assert not ws.exists()  # refused before any work: nothing loaded


def test_councils_on_an_unknown_engine(tmp_path: Path) -> None:
    """The engine is checked before any work (Spark's parity: tests/test_spark_councils.py)."""
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "asb.csv").write_text("incident_ref\nA\n", encoding="utf-8")
    ws = tmp_path / "ws"
    res = run(
        "run", "--council", f"838={tmp_path}/A", "--engine", "sparkle",
        "--as-of", AS_OF, "--framework", "tf-2015", "--workspace", str(ws),
    )  # fmt: skip
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines == [lines[0]] and "duckdb or spark, not 'sparkle'" in lines[0], res.stderr
    assert "Traceback" not in res.stderr
    assert not ws.exists()


def test_council_and_drop_together_or_neither(tmp_path: Path) -> None:
    (tmp_path / "A").mkdir()
    ws = tmp_path / "ws"
    both = bad_run(ws, f"838={tmp_path / 'A'}", drop=str(tmp_path / "A"))
    assert both.returncode == 2
    assert "not both" in both.stderr
    neither = bad_run(ws)
    assert neither.returncode == 2
    assert "give the drop folder" in neither.stderr
    assert not ws.exists()


# ------------------------------------------------------------------ the next quarter


def modal_ids(pair: Path, out: Path, la: str) -> dict[str, str]:
    """truth person -> the person id most of their rows in council `la` were linked to."""
    given = {(r["source"], r["row"]): r["person_id"] for r in rows(out / la / "person_records.csv")}
    seen: dict[str, dict[str, int]] = {}
    for r in rows(pair / la / "truth_records.csv"):
        pid = given.get((r["source"], r["row"]))
        if pid:
            votes = seen.setdefault(r["person_id"], {})
            votes[pid] = votes.get(pid, 0) + 1
    return {p: min(v, key=lambda i: (-v[i], i)) for p, v in seen.items()}


@pytest.mark.heavy
def test_the_next_quarter_keeps_the_ids(pair: Path, ran: tuple[Path, Path], tmp_path: Path) -> None:
    """The same counties a quarter later, linked into the same workspace: people keep
    their ids in both councils (but those whose made-up identity the pair changed
    between the quarters: a family chosen to move in one quarter and not the other)."""
    ws, out = ran
    later = "2026-12-31"
    cfg = SynthConfig(people=2500, seed=3, as_of=date.fromisoformat(later), out=tmp_path / "q2")
    q2 = tmp_path / "q2"
    generate_pair(cfg, 80, A, B)
    res = run(
        "run",
        "--council",
        f"{A}={q2 / A / 'drop'}",
        "--council",
        f"{B}={q2 / B / 'drop'}",
        "--as-of",
        later,
        "--framework",
        "tf-2015",
        "--workspace",
        str(ws),
        "--out",
        str(tmp_path / "out2"),
        "--no-sync",
    )
    assert res.returncode == 0, res.stderr
    pairs = [
        {(m["person_a"], m["person_b"]) for m in rows(p / "truth_movers.csv")} for p in (pair, q2)
    ]
    changed = pairs[0] ^ pairs[1]
    for la, side in ((A, 0), (B, 1)):
        before, after = modal_ids(pair, out, la), modal_ids(q2, tmp_path / "out2", la)
        moved_identity = {p[side] for p in changed}
        common = (set(before) & set(after)) - moved_identity
        kept = sum(before[p] == after[p] for p in common)
        assert len(common) > 1000
        assert kept / len(common) >= 0.98, (la, kept, len(common))
