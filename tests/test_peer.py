"""The by-the-book Splink peer of `bench link`, and the one scorer both are scored by."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from test_cli import assert_one_line_error, run
from wholefamily import warehouse as W
from wholefamily.atomic import FolderError
from wholefamily.ingest import load_drop
from wholefamily.linkage import link, peer
from wholefamily.linkage.evaluate import evaluate_linkage
from wholefamily.synth import SynthConfig, generate

AS_OF = date(2025, 3, 31)


def _write(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_outputs_are_scored_on_the_records_they_all_hold(tmp_path: Path) -> None:
    # Truth: a:1, a:2, b:1 are one person; b:2 another; c:1 is in no output.
    _write(
        tmp_path / "truth" / "truth_records.csv",
        ["source", "row", "person_id"],
        [("a", 1, "T1"), ("a", 2, "T1"), ("b", 1, "T1"), ("b", 2, "T2"), ("c", 1, "T3")],
    )
    head = ["source", "row", "person_id"]
    # Right on every record it holds, and it holds one (c:1) the other does not.
    right = _write(
        tmp_path / "right.csv",
        head,
        [("a", 1, "P1"), ("a", 2, "P1"), ("b", 1, "P1"), ("b", 2, "P2"), ("c", 1, "P3")],
    )
    # Joins b:2 to the first person and misses b:1.
    wrong = _write(
        tmp_path / "wrong.csv",
        head,
        [("a", 1, "x"), ("a", 2, "x"), ("b", 1, "y"), ("b", 2, "x")],
    )
    got_right, got_wrong = peer.score_outputs([right, wrong], tmp_path / "truth")
    assert got_right.records == got_wrong.records == 4  # c:1 is left out of both
    assert (got_right.true_pairs, got_right.linked_pairs, got_right.correct_pairs) == (3, 3, 3)
    assert got_right.f1 == 1.0
    # wrong links {a:1, a:2, b:2}: 3 pairs, 1 of them true; of 3 true pairs it finds 1
    assert (got_wrong.true_pairs, got_wrong.linked_pairs, got_wrong.correct_pairs) == (3, 3, 1)
    assert got_wrong.f1 == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("peer")
    generate(SynthConfig(people=3000, seed=5, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d1")
    link(root / "ws", "d1", AS_OF, out=root / "ours")
    peer.run(root / "ws", root / "peer")
    return {"truth": root / "c", "ws": root / "ws", "ours": root / "ours", "peer": root / "peer"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_peer_gives_every_named_record_one_person(county: dict[str, Path]) -> None:
    rows = _rows(county["peer"] / "person_records.csv")
    keys = [(r["source"], r["row"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["person_id"] for r in rows)
    named = peer.peer_records(county["ws"])
    sources, numbers = named["source"].to_pylist(), named["row"].to_pylist()
    assert set(keys) == {(s, str(r)) for s, r in zip(sources, numbers, strict=True)}
    # records that name no one (an attendance row with only a UPN) are not the peer's
    ours = {(r["source"], r["row"]) for r in _rows(county["ours"] / "person_records.csv")}
    assert set(keys) < ours


def test_the_peer_links_and_is_scored_as_ours_is(county: dict[str, Path]) -> None:
    ours_alone = peer.score_outputs([county["ours"] / "person_records.csv"], county["truth"])[0]
    con = W.connect(county["ws"], read_only=True)
    try:
        ev = evaluate_linkage(con, county["truth"])
    finally:
        con.disconnect()
    # The scorer counts as `evaluate linkage` does, on the same records.
    assert (ours_alone.records, ours_alone.true_pairs) == (ev.records, ev.true_pairs)
    assert (ours_alone.linked_pairs, ours_alone.correct_pairs) == (
        ev.linked_pairs,
        ev.correct_pairs,
    )
    both = peer.score_outputs(
        [county["ours"] / "person_records.csv", county["peer"] / "person_records.csv"],
        county["truth"],
    )
    assert both[0].records == both[1].records < ev.records
    assert both[1].f1 > 0.95, both[1]  # a real linkage, not a strawman


def test_the_peer_writes_no_spill_and_refuses_a_folder_it_did_not_write(
    county: dict[str, Path], tmp_path: Path
) -> None:
    assert not list(county["ws"].rglob("*.tmp"))
    foreign = tmp_path / "out"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FolderError, match=r"holds notes\.txt"):
        peer.run(county["ws"], foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_febrl_peer() -> None:
    from wholefamily.linkage.febrl import peer_evaluate

    s = peer_evaluate("febrl4")
    assert (s.records, s.true_pairs) == (10000, 5000)
    assert s.f1 >= 0.99, s


def test_bench_febrl_unknown_dataset() -> None:
    assert_one_line_error(run("bench", "febrl", "--dataset", "febrl9"), "unknown data set")


def test_bench_link_refuses_a_county_without_truth(tmp_path: Path) -> None:
    (tmp_path / "drop").mkdir()
    bad = run("bench", "link", "--people", "1000", "--county", str(tmp_path))
    assert_one_line_error(bad, "truth_records.csv")


def test_a_peer_that_fails_is_reported_not_fatal() -> None:
    """`bench link` goes on when the peer fails (out of memory at 1,000,000 people):
    the child's last line and its time are kept for the report; a child that must
    succeed still ends the bench."""
    import sys

    import pytest

    from wholefamily.cli.bench import ChildFailed, _timed_child
    from wholefamily.cli.common import UserError

    cmd = [
        sys.executable,
        "-c",
        "import sys; print('working', file=sys.stderr); "
        "sys.exit('Out of Memory Error: failed to pin block')",
    ]
    with pytest.raises(ChildFailed) as caught:
        _timed_child(cmd, "peer", may_fail=True)
    assert caught.value.said == "Out of Memory Error: failed to pin block"
    assert caught.value.wall > 0
    with pytest.raises(UserError, match="peer failed"):
        _timed_child(cmd, "peer")


def test_bench_link_refuses_a_bad_peer_memory(tmp_path: Path) -> None:
    bad = run("bench", "link", "--people", "1000", "--peer-memory", "lots")
    assert_one_line_error(bad, "--peer-memory 'lots': give a size such as 12GB")


def test_the_peer_takes_the_cap_it_is_given(tmp_path: Path, monkeypatch: Any) -> None:
    from wholefamily.linkage import peer as P

    def cap() -> str:
        db = P._db(tmp_path)
        got = db.duckdb_con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        db.duckdb_con.close()
        return str(got)

    monkeypatch.delenv(P.MEMORY_ENV, raising=False)
    default = cap()
    monkeypatch.setenv(P.MEMORY_ENV, "1GB")
    assert cap() != default and "MiB" in cap()
