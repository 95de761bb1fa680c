"""The deterministic step's aggregates: the most frequent value and the identities' columns,
on small tables whose answers are known."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import ibis
import pytest

from wholefamily.linkage.identities import _counted, identities, most_frequent
from wholefamily.linkage.records import RECORD_SCHEMA


@pytest.fixture()
def con() -> Any:
    c = ibis.duckdb.connect()
    yield c
    c.disconnect()


def _rows(con: Any, expr: Any, key: str) -> dict[str, dict[str, Any]]:
    df = con.execute(expr)
    return {r[key]: r for r in df.to_dict("records")}


def test_most_frequent_counts_only_where_records_disagree(con: Any) -> None:
    t = ibis.memtable(
        {
            "g": ["same", "same", "tie", "tie", "most", "most", "most", "nulls", "nulls"],
            "v": ["A", "A", "B", "A", "Z", "Z", "A", None, "C"],
            "w": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    )
    got = _rows(con, most_frequent(t, "g", ["v"], total=t.w.sum()), "g")
    assert {g: r["v"] for g, r in got.items()} == {
        "same": "A",
        "tie": "A",  # one each: the smallest
        "most": "Z",  # twice, though A is smaller
        "nulls": "C",  # a missing value is not a value
    }
    assert {g: r["total"] for g, r in got.items()} == {"same": 3, "tie": 7, "most": 18, "nulls": 17}


def test_most_frequent_where_keeps_only_those_rows(con: Any) -> None:
    t = ibis.memtable({"g": ["x", "x", "x", "y"], "v": ["B", "B", "A", "C"], "keep": [0, 0, 1, 0]})
    got = _rows(con, most_frequent(t, "g", ["v"], where=t.keep == 1, n=ibis._.count()), "g")
    assert set(got) == {"x"}  # y has no row kept: no group
    assert (got["x"]["v"], got["x"]["n"]) == ("A", 1)


def test_most_frequent_agrees_with_counting_every_group(con: Any) -> None:
    rng = random.Random(7)
    groups = [rng.randrange(400) for _ in range(3000)]

    # Odd groups agree on their values (the path that counts nothing), even ones do not.
    def pick(g: int, values: list[Any]) -> Any:
        return values[g % len(values)] if g % 2 else rng.choice(values)

    t = ibis.memtable(
        {
            "g": [f"g{g}" for g in groups],
            "s": [pick(g, ["A", "B", "C", None]) for g in groups],
            "d": [pick(g, [date(2001, 1, 1), date(2001, 1, 2), None]) for g in groups],
        }
    )
    fast = con.execute(most_frequent(t, "g", ["s", "d"])).sort_values("g")
    slow = con.execute(_counted(t, "g", ["s", "d"])).sort_values("g")
    assert (
        fast[["g", "s", "d"]]
        .reset_index(drop=True)
        .equals(slow[["g", "s", "d"]].reset_index(drop=True))
    )


def _record(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(RECORD_SCHEMA)
    row.update(forename="ANN", surname="LEE", dob=date(1990, 5, 1), sex="F")
    row.update(kw)
    return row


def test_identities_latest_address_and_block_uprns(con: Any) -> None:
    rows = [
        # Same day: the record that sorts last gives the address ("health:9" > "health:10").
        _record(
            record_id="health:10",
            identity_id="nhs:1",
            postcode="AA1",
            uprn="u1",
            address_date=date(2024, 1, 1),
        ),
        _record(
            record_id="health:9",
            identity_id="nhs:1",
            postcode="BB2",
            uprn="u2",
            address_date=date(2024, 1, 1),
        ),
        _record(
            record_id="health:8",
            identity_id="nhs:1",
            postcode="CC3",
            uprn="u3",
            address_date=date(2023, 1, 1),
        ),
        # The latest record has no postcode: the identity's latest postcode is missing.
        _record(
            record_id="housing:1",
            identity_id="p:2",
            postcode=None,
            uprn=None,
            address_date=date(2024, 6, 1),
        ),
        _record(
            record_id="housing:2", identity_id="p:2", postcode="DD4", uprn="u4", address_date=None
        ),
        # A pupil, and a school's contact for that pupil seen at no address of its own.
        _record(
            record_id="school_census:1",
            identity_id="upn:K",
            uprn="u5",
            address_date=date(2024, 1, 1),
        ),
        _record(
            record_id="school_contacts:1",
            identity_id="contact:1",
            pupil_key="upn:K",
            forename="BOB",
        ),
        # Unnamed: not an identity.
        _record(record_id="school_attendance:1", identity_id="upn:Q", forename=None, surname=None),
    ]
    schema = {**RECORD_SCHEMA, "identity_id": "string"}
    t = ibis.memtable({k: [r[k] for r in rows] for k in schema}, schema=schema)
    got = _rows(con, identities(t), "identity_id")
    assert set(got) == {"nhs:1", "p:2", "upn:K", "contact:1"}
    one = got["nhs:1"]
    assert (one["postcode"], one["uprn"], one["records"]) == ("BB2", "u2", 3)
    assert sorted(one["uprns"]) == ["u1", "u2", "u3"]
    assert sorted(one["block_uprns"]) == ["u1", "u2", "u3"]
    two = got["p:2"]
    assert two["postcode"] is None and two["uprn"] is None
    assert list(two["uprns"]) == ["u4"]
    contact = got["contact:1"]
    assert contact["uprns"] is None  # seen at no address
    assert list(contact["block_uprns"]) == ["u5"]  # proposed at the pupil's
    assert contact["forename_canon"] == "ROBERT"
