"""The first step of `wholefamily link` at its own parts: the records with their identity
keys (a temporary table), `link_records` and `link_identities` written to the warehouse.

    PYTHONPATH=src .venv/bin/python benchmarks/link_identities.py --workspace W [--dump DIR]

W must hold a loaded drop; nothing is committed (the transaction is rolled back), so W
is as it was. Each part's wall and CPU seconds (the process's, all threads), DuckDB's
temporary files after it and the load average; under the memory limit `link` sets.
--dump DIR writes both tables to Parquet (the lists sorted: their order is not part of
the output), to compare two versions with `EXCEPT ALL` both ways.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from wholefamily import warehouse as W
from wholefamily.ingest.load import latest_drop
from wholefamily.linkage.link import MEMORY_LIMIT, records_full, write_identities, write_records


class _Undo(Exception):
    """Raised inside the transaction so that it rolls back."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--memory-limit", default=MEMORY_LIMIT)
    args = ap.parse_args()
    con = W.connect(args.workspace)
    raw = con.con
    raw.execute(f"SET memory_limit = '{args.memory_limit}'")
    drop = latest_drop(con)
    mark = [time.time(), time.process_time()]
    first = list(mark)

    def took(name: str) -> None:
        spilled = raw.execute(
            "SELECT count(*), coalesce(sum(size), 0) // 1048576 FROM duckdb_temporary_files()"
        ).fetchone()
        wall, cpu = time.time() - mark[0], time.process_time() - mark[1]
        print(
            f"{name:16s} wall {wall:6.1f} s  cpu {cpu:6.1f} s  "
            f"temporary files {spilled[0]} ({spilled[1]} MiB)  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        mark[:] = [time.time(), time.process_time()]

    try:
        with W.transaction(con):
            keyed = records_full(con, drop)
            took("records_full")
            write_records(con, keyed)
            took("link_records")
            write_identities(con, keyed)
            took("link_identities")
            mark[:] = first
            took("all three")
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                raw.execute(f"COPY link_records TO '{args.dump / 'records.parquet'}'")
                raw.execute(
                    "COPY (SELECT * REPLACE (list_sort(uprns) AS uprns, "
                    "list_sort(block_uprns) AS block_uprns) FROM link_identities) "
                    f"TO '{args.dump / 'identities.parquet'}'"
                )
            raise _Undo
    except _Undo:
        pass
    finally:
        con.disconnect()


if __name__ == "__main__":
    main()
