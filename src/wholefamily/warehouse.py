"""The workspace's warehouse: an embedded DuckDB file reached through Ibis.

Every stage reads and writes its tables through the Ibis connection this
module opens, so the same expressions can later run on another backend. The
few things Ibis does not abstract (transactions, the file lock) live here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis

WAREHOUSE_FILE = "warehouse.duckdb"


class WarehouseError(Exception):
    """The warehouse cannot be opened (in use, damaged, from a newer version)."""


def warehouse_path(workspace: Path) -> Path:
    return workspace / WAREHOUSE_FILE


def connect(workspace: Path, *, read_only: bool = False) -> Any:
    """Open the workspace's warehouse (created on first use unless read-only)."""
    import duckdb

    path = warehouse_path(workspace)
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse in {workspace}: run `wholefamily load` first")
    try:
        workspace.mkdir(parents=True, exist_ok=True)
        con = ibis.duckdb.connect(str(path), read_only=read_only)
        con.con.execute("SET preserve_insertion_order = false")
        con.con.execute("SET enable_progress_bar = false")
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0]
        if "lock" in first.lower():
            raise WarehouseError(
                f"the warehouse {path} is in use by another wholefamily process"
            ) from None
        raise WarehouseError(f"cannot open the warehouse {path}: {first}") from None
    except duckdb.Error as exc:
        raise WarehouseError(
            f"cannot open the warehouse {path}: {str(exc).splitlines()[0]}"
        ) from None
    except OSError as exc:
        raise WarehouseError(f"cannot open the warehouse {path}: {exc.strerror or exc}") from None
    return con


@contextmanager
def transaction(con: Any) -> Iterator[None]:
    """All or nothing: a failure or interruption inside leaves the warehouse as it was."""
    raw = con.con
    raw.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")


def as_date(value: Any) -> date | None:
    """A date from a query result: pandas Timestamps and datetimes become dates;
    None, NaT and NaN become None."""
    if value is None or value != value:  # None, or NaT/NaN (not equal to itself)
        return None
    if isinstance(value, datetime) or hasattr(value, "date"):
        return value.date()  # type: ignore[no-any-return]
    return value if isinstance(value, date) else None


def has_table(con: Any, name: str) -> bool:
    return name in con.list_tables()
