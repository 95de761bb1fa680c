"""What a second link of the same records keeps from the first.

A council links a drop, clears the review queue, and links it again to apply the
decisions; or links it again as of another date, or with another threshold. Those runs
read the same records. Two of `link`'s tables depend on nothing but the records:

- `link_records` and `link_identities`: the loaded files of each council's drop
  (their ids, which are the files' contents, and when each was loaded), today's date
  (a parent's latest possible date of birth is counted from it) and the linkage code;
- `link_scores`, Splink's scored pairs: the identities and the model file.

Each run records a fingerprint of those inputs (`link_inputs`), in the linkage's own
transaction. A run whose inputs have the fingerprint recorded keeps the tables instead
of making them again: the same rows, since they are made from the same inputs. Anything
else (a file loaded again, a new day, a model trained again that differs by a digit,
another version of this code) makes them again. Clusters, the household context, the
review queue, the ids, the households and the outputs are made again on every run:
they depend on the review decisions, the settings and the as-of date.

Only the DuckDB warehouse keeps them; a link on Spark makes every table again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from wholefamily import warehouse as W

TABLE = "link_inputs"
RECORDS = "records"  # link_records and link_identities
SCORES = "scores"  # link_scores


@cache
def _code() -> str:
    """The linkage code's own fingerprint: any change to it makes the tables again."""
    import duckdb
    import ibis
    import splink

    h = hashlib.sha256(f"{duckdb.__version__} {ibis.__version__} {splink.__version__}".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def records_fingerprint(con: Any, councils: list[tuple[str | None, str]], today: date) -> str:
    """The inputs of `link_records` and `link_identities`."""
    m = con.table("drop_manifest")
    f = con.table("load_files")
    drops = [d for _, d in councils]
    rows = (
        m.filter(m.drop_id.isin(drops))
        .join(f, "file_id")
        .select(
            "drop_id",
            m.source,
            "file_id",
            f.rows_loaded,
            loaded_at=f.loaded_at.cast("string"),
        )
        .order_by(["drop_id", "source", "file_id"])
        .to_pyarrow()
        .to_pylist()
    )
    said = {"code": _code(), "today": today.isoformat(), "councils": councils, "files": rows}
    return hashlib.sha256(json.dumps(said, sort_keys=True, default=str).encode()).hexdigest()


def scores_fingerprint(records: str, model_path: Path) -> str:
    """The inputs of `link_scores`: the identities (by their own fingerprint) and the
    model file, byte for byte."""
    return hashlib.sha256(records.encode() + b"\0" + model_path.read_bytes()).hexdigest()


def recorded(con: Any, what: str) -> str | None:
    """The fingerprint the last link recorded for `what`, if any (and its tables still
    exist)."""
    needs = {RECORDS: ("link_records", "link_identities"), SCORES: ("link_scores",)}[what]
    if not W.has_table(con, TABLE) or not all(W.has_table(con, t) for t in needs):
        return None
    row = con.con.execute(f"SELECT fingerprint FROM {TABLE} WHERE what = ?", [what]).fetchone()
    return None if row is None else str(row[0])


def record(con: Any, what: str, fingerprint: str | None) -> None:
    """Record (or with None, forget) the fingerprint of `what`'s inputs."""
    raw = con.con
    raw.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (what VARCHAR PRIMARY KEY, fingerprint VARCHAR)"
    )
    raw.execute(f"DELETE FROM {TABLE} WHERE what = ?", [what])
    if fingerprint is not None:
        raw.execute(f"INSERT INTO {TABLE} VALUES (?, ?)", [what, fingerprint])
