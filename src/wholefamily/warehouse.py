"""The workspace's warehouse: an embedded DuckDB file reached through Ibis.

Every stage reads and writes its tables through the Ibis connection this
module opens, so the same expressions can later run on another backend. The
few things Ibis does not abstract (transactions, the file lock, DuckDB's
temporary folder) live here.

Files the warehouse vouches for: a stage that writes a file describing what
it committed (a drop's manifest) records the file's text in `workspace_files`
in the same transaction, with `record_file`. Opening the warehouse puts every
such file back as recorded when it is missing or differs (a process killed
between the commit and the file, a file edited by hand), so the file never
disagrees with the warehouse for longer than until the next open.

DuckDB spills to `warehouse.duckdb.tmp` in the workspace and removes it when
it closes; a killed process leaves it behind, so opening the warehouse for
writing (which no other process can hold at the same time) removes it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis

WAREHOUSE_FILE = "warehouse.duckdb"
TEMP_FOLDER = "warehouse.duckdb.tmp"
FILES_TABLE = "workspace_files"
PENDING = ".tmp"


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
        temp = workspace / TEMP_FOLDER
        if not read_only:  # the write lock is ours alone: what is in there is stale
            shutil.rmtree(temp, ignore_errors=True)
        con.con.execute("SET temp_directory = ?", [str(temp)])
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
    restore_files(con, workspace)
    return con


@contextmanager
def transaction(con: Any) -> Iterator[None]:
    """All or nothing: a failure or interruption inside leaves the warehouse as it was."""
    import duckdb

    raw = con.con
    raw.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):  # a failed statement may have ended it already
            raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")


def record_file(con: Any, workspace: Path, relpath: str, body: str) -> Path:
    """Inside a transaction: the warehouse vouches that `workspace/relpath` holds `body`.

    The text is written now beside its place (`<name>.tmp`), so a full disk fails
    the transaction rather than the file; `restore_files` puts it in place after
    the commit. Returns the file's path."""
    raw = con.con
    raw.execute(
        f"CREATE TABLE IF NOT EXISTS {FILES_TABLE} (path VARCHAR PRIMARY KEY, body VARCHAR)"
    )
    raw.execute(f"DELETE FROM {FILES_TABLE} WHERE path = ?", [relpath])
    raw.execute(f"INSERT INTO {FILES_TABLE} VALUES (?, ?)", [relpath, body])
    path = workspace / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    pending = path.with_name(path.name + PENDING)
    pending.write_text(body, encoding="utf-8")
    return path


def restore_files(con: Any, workspace: Path) -> None:
    """Every file the warehouse vouches for, as recorded: a missing or different
    one is written again (temp file and rename); a temp file left beside it goes."""
    if FILES_TABLE not in con.list_tables():
        return
    for relpath, body in con.con.execute(f"SELECT path, body FROM {FILES_TABLE}").fetchall():
        if Path(relpath).is_absolute() or ".." in Path(relpath).parts:
            continue  # never outside the workspace, whatever the table says
        with suppress(OSError):  # best effort, file by file: the next open tries again
            _put(workspace / relpath, body)


def _put(path: Path, body: str) -> None:
    pending = path.with_name(path.name + PENDING)
    if _holds(path, body):
        pending.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if _holds(pending, body):  # written before the commit: only the rename was missing
        pending.replace(path)
        return
    # Readers may open the warehouse together: each writes its own temp file.
    own = path.with_name(f"{path.name}.{os.getpid()}{PENDING}")
    own.write_text(body, encoding="utf-8")
    own.replace(path)
    pending.unlink(missing_ok=True)


def _holds(path: Path, body: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == body
    except (OSError, UnicodeDecodeError):
        return False


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


def temp_table(con: Any, name: str, expr: Any) -> Any:
    """`expr` as a temporary table `name` (never committed), replacing one of that name.

    Ibis's own `overwrite=True` writes a temporary table under another name and then
    copies it whole: the old one is dropped first here instead, so it is written once.
    """
    con.con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')
    return create_table(con, name, expr, temp=True)


def sql_of(con: Any, expr: Any) -> str:
    """`expr` as DuckDB SQL, its in-memory tables registered with the connection.

    Generated without copying the statement's tree: Ibis's `create_table` and `insert`
    copy it twice more (and `insert` parses its own SQL again), which for the load's
    wide statements was a tenth of a 200,000-person load (docs/benchmarks.md).
    """
    con._run_pre_execute_hooks(expr)
    return str(con.compiler.to_sqlglot(expr).sql(dialect=con.dialect, copy=False))


def _names(expr: Any) -> str:
    import sqlglot.expressions as sge

    return ", ".join(sge.to_identifier(c, quoted=True).sql("duckdb") for c in expr.columns)


def create_table(con: Any, name: str, expr: Any, temp: bool = False) -> Any:
    """A new table `name` holding `expr` (an Ibis table, or data Ibis takes), with
    `expr`'s column types (as Ibis's own `create_table` makes it: nullability
    included), written by one INSERT."""
    import sqlglot.expressions as sge

    if not isinstance(expr, ibis.expr.types.Table):
        expr = ibis.memtable(expr)  # an Arrow table, say
    where = ("temp", "main") if temp else (con.current_catalog, con.current_database)
    table = sge.table_(name, catalog=where[0], db=where[1], quoted=True)
    columns = expr.schema().to_sqlglot_column_defs(con.dialect)
    properties = [sge.TemporaryProperty()] if temp else []
    create = sge.Create(
        kind="TABLE",
        this=sge.Schema(this=table, expressions=columns),
        properties=sge.Properties(expressions=properties),
    )
    con.con.execute(create.sql(dialect=con.dialect))
    target = table.sql(dialect=con.dialect)
    con.con.execute(f"INSERT INTO {target} ({_names(expr)}) {sql_of(con, expr)}")
    return con.table(name, database=where)


def insert(con: Any, name: str, expr: Any) -> None:
    """The rows of `expr` appended to table `name` (in the current database), by
    column name: every column of `expr` is one of the table's."""
    if not isinstance(expr, ibis.expr.types.Table):
        expr = ibis.memtable(expr)
    con.con.execute(f'INSERT INTO "{name}" ({_names(expr)}) {sql_of(con, expr)}')
