"""Normalisation for matching: the Ibis expressions, run on DuckDB in memory."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pytest

from wholefamily import safecsv
from wholefamily.ingest import normalise as N


def run(fn: Any, values: list[str | None]) -> list[Any]:
    t = ibis.memtable({"v": values}, schema={"v": "string"})
    con = ibis.duckdb.connect()
    res = con.to_pyarrow(t.select(out=fn(t.v))).column("out").to_pylist()
    con.disconnect()
    return res


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("  O'Brien-Smyth ", "OBRIEN SMYTH"),
        ("zoë", "ZOE"),
        ("JEAN  PAUL", "JEAN PAUL"),
        ("Mc Donald.", "MC DONALD"),
        ("Åsa", "ASA"),
        ("---", None),
        ("", None),
        (None, None),
    ],
)
def test_name_key(raw: str | None, key: str | None) -> None:
    assert run(N.name_key, [raw]) == [key]


@pytest.mark.parametrize(
    ("raw", "canon", "valid"),
    [
        ("so171bj", "SO17 1BJ", True),
        (" SO17 1BJ ", "SO17 1BJ", True),
        ("wx1  1wq", "WX1 1WQ", True),
        ("EC1A1BB", "EC1A 1BB", True),
        ("W1A 0AX", "W1A 0AX", True),
        ("SO17", "SO17", False),
        ("12345", "12345", False),
        ("", None, False),
    ],
)
def test_postcode(raw: str, canon: str | None, valid: bool) -> None:
    assert run(N.postcode, [raw]) == [canon]
    assert run(lambda v: N.postcode_valid(v).fill_null(False), [raw]) == [valid]


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("01/03/2024", date(2024, 3, 1)),
        ("1/3/2024", date(2024, 3, 1)),
        ("2024-03-01 00:00:00", date(2024, 3, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2024-02-30", None),
        ("2023-02-29", None),
        ("31/02/2024", None),
        ("2024-13-01", None),
        ("03-01-2024", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_date(raw: str, day: date | None) -> None:
    assert run(N.date, [raw]) == [day]


def test_sex_and_numbers() -> None:
    assert run(N.sex, ["m", "Female", " u ", "MALE", "x", "other", ""]) == [
        "M",
        "F",
        "U",
        "M",
        "U",
        None,
        None,
    ]
    assert run(N.integer, ["12", "12.0", "-1", "1.5", "ten", ""]) == [12, 12, -1, None, None, None]
    assert run(N.decimal, ["£1,250.50", "37", "nan", "x"]) == [1250.5, 37.0, None, None]


def test_address_key_spells_out_abbreviations() -> None:
    assert run(N.address_key, ["12 High St.", "Flat 2, 3 Stour Rd", "4 Mill Lane"]) == [
        "12 HIGH STREET",
        "FLAT 2 3 STOUR ROAD",
        "4 MILL LANE",
    ]
    assert run(
        lambda v: N.number_key(N.address_key(v)), ["Flat 2, 34 Lark Lane", "Ivy Cottage"]
    ) == [
        "2 34",
        None,
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 7700 900000", "'+44 7700 900000"),
        ("@cmd", "'@cmd"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("-1", "-1"),
        ("+3.5", "+3.5"),
        ("Smith", "Smith"),
    ],
)
def test_formula_injection_neutralised(value: str, written: str) -> None:
    assert safecsv.neutralise(value) == written


def test_exported_csv_matches_neutralise(tmp_path: Any) -> None:
    import csv

    import pyarrow as pa

    values = ["=SUM(A1:A2)", "+44 7700 900000", "@cmd", "-2+3", "-1", "+3.5", "Smith", ""]
    safecsv.write_table(pa.table({"v": values}), tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as fh:
        got = [r["v"] for r in csv.DictReader(fh)]
    assert got == [safecsv.neutralise(v) for v in values]
