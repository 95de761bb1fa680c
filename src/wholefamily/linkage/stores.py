"""Where a linkage is written: the seam between the two engines.

`link` is the same Ibis expressions on either engine; what differs is how a table is
written, kept for the run, or changed by difference, and which Splink database
scores the pairs. Each engine is one class here with the same methods:

- `DuckStore`: the DuckDB warehouse file, in one transaction (as before);
- `SparkStore`: the Parquet copy of the warehouse (`spark_warehouse.py`). The run's
  tables are written into a new copy beside it (the tables it does not write
  hard-linked from the old one) and the copy is exchanged into place whole when the
  run commits, so a failure leaves the old copy. What only this run reads is written
  as Parquet in the run's spill folder and read back (each written once, read as often
  as needed: Spark would otherwise compute it again on every read). The kept id
  tables are rewritten whole (old rows not changed, plus the changed ones): the same
  rows as DuckDB's delete and insert. Splink scores the pairs with its Spark linker
  (`splink.SparkAPI`, the similarity functions from Splink's jar) using the model
  trained and saved once (`models/linkage.json`, trained on DuckDB in the driver
  when there is none: training is on samples of fixed size, so it does not grow with
  the county, and one model for both engines gives the same scores).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from wholefamily import warehouse as W
from wholefamily.linkage import model as M
from wholefamily.linkage import reuse
from wholefamily.linkage import review as R

KEPT_SCHEMAS: dict[str, dict[str, str]] = {
    "mpi_keys": {"key": "string", "person_id": "string", "drop_id": "string"},
    "mpi_families": {"person_id": "string", "family_id": "string", "drop_id": "string"},
    "mpi_events": {
        "drop_id": "string",
        "kind": "string",
        "id": "string",
        "other": "string",
        "reason": "string",
        "recorded_at": "timestamp",
    },
}
DECISIONS_SCHEMA = {
    "identity_id_l": "string",
    "identity_id_r": "string",
    "decision": "string",
    "note": "string",
    "decided_by": "string",
    "decided_at": "timestamp",
    "seq": "int64",
}
MEMORY_LIMIT = "2GB"  # the warehouse's DuckDB during a link (Splink's has its own cap)


def _events(events: ir.Table, drop_id: str, reason: str) -> ir.Table:
    now = datetime.now(UTC).replace(tzinfo=None)
    return events.select(
        drop_id=ibis.literal(drop_id),
        kind=events.kind,
        id=events.ident,
        other=events.other,
        reason=ibis.literal(reason),
        recorded_at=ibis.literal(now, "timestamp"),
    ).distinct()


def _pair_columns(columns: list[str]) -> list[str]:
    # Keep each comparison's level: the waterfall of `explain-person`.
    detail = [c for c in columns if c.startswith("gamma_")]
    return ["identity_id_l", "identity_id_r", "match_probability", "match_weight", *detail]


class DuckStore:
    """The DuckDB warehouse file (the default engine)."""

    engine = "duckdb"

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.con = W.connect(workspace)

    @classmethod
    def over(cls, con: Any) -> DuckStore:
        """A store over a connection already open (tests build their tables in one)."""
        store = cls.__new__(cls)
        store.workspace = Path()
        store.con = con
        return store

    def close(self) -> None:
        self.con.disconnect()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        from wholefamily import spark_warehouse as S

        with W.transaction(self.con):
            yield
        # The latest link wins: a Spark link before this one no longer holds the copy's
        # linkage tables (the copy is made again from this file when Spark next reads it).
        S.forget_spark_link(self.workspace)

    @contextlib.contextmanager
    def failures(self, error: type[Exception]) -> Iterator[None]:
        yield  # DuckDB's errors are the caller's to word

    def prepare(self, intermediate: tuple[str, ...]) -> None:
        raw = self.con.con
        raw.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")

    def ensure_kept(self, intermediate: tuple[str, ...]) -> None:
        raw = self.con.con
        raw.execute(
            "CREATE TABLE IF NOT EXISTS mpi_keys (key VARCHAR PRIMARY KEY, person_id VARCHAR, "
            "drop_id VARCHAR)"
        )
        raw.execute(
            "CREATE TABLE IF NOT EXISTS mpi_families (person_id VARCHAR PRIMARY KEY, "
            "family_id VARCHAR, drop_id VARCHAR)"
        )
        raw.execute(
            "CREATE TABLE IF NOT EXISTS mpi_events (drop_id VARCHAR, kind VARCHAR, id VARCHAR, "
            "other VARCHAR, reason VARCHAR, recorded_at TIMESTAMP)"
        )
        R.ensure_decisions(self.con)  # a history: decisions and their undoing appended
        for name in intermediate:
            raw.execute(f"DROP TABLE IF EXISTS main.{name}")

    def replace(self, name: str, obj: Any) -> ir.Table:
        return self.con.create_table(name, obj, overwrite=True)

    def temp(self, name: str, obj: Any) -> ir.Table:
        return W.temp_table(self.con, name, obj)  # written once (Ibis's overwrite copies it)

    def drop_temp(self, name: str) -> None:
        self.con.con.execute(f"DROP TABLE IF EXISTS {name}")

    def adjust_pairs(self, ctx: pa.Table) -> None:
        """`link_pairs` gains `context` and `context_weight`; the pairs of `ctx` (a, b,
        context, w: the band's second look) move by their weight, in place."""
        raw = self.con.con
        raw.execute("ALTER TABLE main.link_pairs ADD COLUMN context VARCHAR")
        raw.execute("ALTER TABLE main.link_pairs ADD COLUMN context_weight DOUBLE DEFAULT 0")
        if ctx.num_rows:
            W.temp_table(self.con, "link_band_context", ctx)
            raw.execute(
                "UPDATE main.link_pairs p SET context = c.context, context_weight = c.w, "
                "match_weight = p.match_weight + c.w, "
                "match_probability = 1 / (1 + pow(2, -(p.match_weight + c.w))) "
                "FROM link_band_context c WHERE c.a = p.identity_id_l AND c.b = p.identity_id_r"
            )
            self.drop_temp("link_band_context")

    def move_clusters(self, moves: pa.Table) -> None:
        """Clusters `old` become `new` in `link_clusters` (a few: in place)."""
        W.temp_table(self.con, "link_cluster_moves", moves)
        self.con.con.execute(
            "UPDATE link_clusters SET cluster_id = m.new FROM link_cluster_moves m "
            "WHERE link_clusters.cluster_id = m.old"
        )
        self.drop_temp("link_cluster_moves")

    def update_keys(self, persons: str, drop_id: str) -> None:
        # By difference: a key whose person changed is deleted and inserted again, a new
        # key inserted; the others stay as they are (with the drop that gave them).
        self.con.con.execute(
            f"DELETE FROM mpi_keys k USING {persons} p "
            "WHERE k.key = p.identity_id AND k.person_id <> p.person_id"
        )
        self.con.con.execute(
            f"INSERT INTO mpi_keys SELECT p.identity_id, p.person_id, ? FROM {persons} p "
            "WHERE NOT EXISTS (SELECT 1 FROM mpi_keys k WHERE k.key = p.identity_id)",
            [drop_id],
        )

    def update_families(self, people: str, drop_id: str) -> None:
        # By difference, as mpi_keys: a person of this run who left their family or moved
        # to another is deleted (and inserted with the new one); a new member inserted.
        self.con.con.execute(
            f"DELETE FROM mpi_families f USING {people} p WHERE f.person_id = p.person_id "
            "AND (p.family_id IS NULL OR p.family_id <> f.family_id)"
        )
        self.con.con.execute(
            f"INSERT INTO mpi_families SELECT p.person_id, p.family_id, ? FROM {people} p "
            "WHERE p.family_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM mpi_families f WHERE f.person_id = p.person_id)",
            [drop_id],
        )

    def record_events(self, events: ir.Table, drop_id: str, reason: str) -> None:
        self.con.insert("mpi_events", _events(events, drop_id, reason))

    def identities_for_splink(self, idents: ir.Table) -> Any:
        return idents.to_pyarrow()

    def count(self, identities: Any) -> int:
        return int(identities.num_rows)

    def linker(self, identities: Any, model_path: Path, train: bool, spill: Path) -> Any:
        if train:
            return M.train(identities, model_path, spill=spill)
        return M.load(identities, model_path, spill=spill)

    def kept_inputs(self, what: str) -> str | None:
        """The fingerprint of the inputs the last link made `what`'s tables from
        (`reuse.py`)."""
        return reuse.recorded(self.con, what)

    def keep_inputs(self, what: str, fingerprint: str | None) -> None:
        reuse.record(self.con, what, fingerprint)

    def pairs(self, predictions: Any) -> ir.Table:
        """Splink's scored pairs, kept as `link_scores` (a later run of the same
        identities and model reads them again), and this run's `link_pairs` from them."""
        rel = predictions.as_duckdbpyrelation()
        self.replace(
            "link_scores", rel.select(*_pair_columns(list(rel.columns))).arrow().read_all()
        )
        return self.kept_pairs()

    def kept_pairs(self) -> ir.Table:
        """This run's `link_pairs`: the kept scores, before the household context moves
        some of them."""
        self.con.con.execute(
            "CREATE OR REPLACE TABLE main.link_pairs AS SELECT * FROM main.link_scores"
        )
        return self.con.table("link_pairs")

    def components(self, nodes: ir.Table, edges: ir.Table, spill: Path) -> pa.Table:
        """Connected components (Splink's clustering) of identities joined by edges."""
        from splink.clustering import cluster_pairwise_predictions_at_threshold

        db = M.splink_db(spill)
        result = cluster_pairwise_predictions_at_threshold(
            nodes.to_pyarrow(), edges.to_pyarrow(), db_api=db, node_id_column_name="identity_id"
        )
        df = result.as_pandas_dataframe()[["identity_id", "cluster_id"]]  # type: ignore[no-untyped-call]
        return pa.Table.from_pandas(df.astype({"cluster_id": str}), preserve_index=False)


class SparkStore:
    """The Parquet copy of the warehouse, on Spark (see the module's docstring)."""

    engine = "spark"

    def __init__(self, workspace: Path, spill: Path) -> None:
        from wholefamily import spark_warehouse as S

        self.workspace = workspace
        self.con = S.connect(workspace)  # made from the DuckDB file first when stale
        self.session = self.con._session
        self.scratch = spill / "spark"
        self.stage: Path | None = None
        self.written: list[str] = []

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        from wholefamily import spark_warehouse as S
        from wholefamily.atomic import staged_folder

        rec = S.recorded(self.workspace)
        old = S.folder(self.workspace)
        with staged_folder(old, names=None) as staged:
            self.stage = staged.path
            yield
            names = set(rec.get("tables", [])) | set(self.written)
            for name in sorted(names - set(self.written)):
                S.link_table(old / name, staged.path / name)
            linked = sorted(set(S.spark_linked(self.workspace)) | set(self.written))
            S.write_stamp(staged.path, rec.get("source", {}), sorted(names), linked)
        self.stage = None
        S.register(self.session, self.workspace)  # the views now read the new copy

    @contextlib.contextmanager
    def failures(self, error: type[Exception]) -> Iterator[None]:
        """A Spark job that fails (out of memory, a lost executor) as one line: the
        error's first line; the Parquet copy is left as it was."""
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        try:
            yield
        except (Py4JJavaError, PySparkException) as exc:
            text = str(getattr(exc, "java_exception", "") or exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            hint = ""
            if "memory" in text.lower():
                hint = " (give Spark more: SPARK_DRIVER_MEMORY, SPARK_SHUFFLE_PARTITIONS)"
            raise error(f"Spark failed: {first[:300]}{hint}; nothing was linked") from None

    def _df(self, obj: Any) -> Any:
        from pyspark.sql import DataFrame

        if isinstance(obj, DataFrame):
            return obj
        if not isinstance(obj, ir.Expr):
            obj = ibis.memtable(obj)
        self.con._run_pre_execute_hooks(obj)  # memtables registered as views
        return self.session.sql(self.con.compile(obj))

    def _write(self, df: Any, path: Path, name: str) -> ir.Table:
        df.write.mode("overwrite").parquet(str(path))
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)
        return self.con.table(name)

    def prepare(self, intermediate: tuple[str, ...]) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.session.sparkContext.setCheckpointDir(str(self.scratch / "checkpoints"))

    def ensure_kept(self, intermediate: tuple[str, ...]) -> None:
        for name, schema in KEPT_SCHEMAS.items():
            if not W.has_table(self.con, name):
                self.replace(name, ibis.memtable({c: [] for c in schema}, schema=schema))
        if not W.has_table(self.con, "review_decisions"):  # none decided yet: for this run
            empty = ibis.memtable({c: [] for c in DECISIONS_SCHEMA}, schema=DECISIONS_SCHEMA)
            self.temp("review_decisions", empty)

    def replace(self, name: str, obj: Any) -> ir.Table:
        assert self.stage is not None, "a Spark link writes its tables inside transaction()"
        if name not in self.written:
            self.written.append(name)
        return self._write(self._df(obj), self.stage / name, name)

    def temp(self, name: str, obj: Any) -> ir.Table:
        return self._write(self._df(obj), self.scratch / name, name)

    def _rewrite(self, name: str, expr: ir.Table) -> None:
        # Materialised before the table it reads is replaced.
        self.replace(name, self.temp(f"{name}__next", expr))

    def drop_temp(self, name: str) -> None:
        self.session.catalog.dropTempView(name)
        shutil.rmtree(self.scratch / name, ignore_errors=True)

    def adjust_pairs(self, ctx: pa.Table) -> None:
        """As DuckStore's: `link_pairs` written again with `context` and
        `context_weight`, and the pairs of `ctx` moved by their weight."""
        p = self.con.table("link_pairs")
        schema = {"a": "string", "b": "string", "context": "string", "w": "float64"}
        c = (
            ibis.memtable(ctx, schema=schema)
            if ctx.num_rows
            else ibis.memtable({k: [] for k in schema}, schema=schema)
        )
        j = p.left_join(c, [p.identity_id_l == c.a, p.identity_id_r == c.b])
        hit = j.a.notnull()
        weight = p.match_weight + j.w
        cols = {n: p[n] for n in p.columns}
        cols["match_weight"] = ibis.cases((hit, weight), else_=p.match_weight)
        cols["match_probability"] = ibis.cases(
            (hit, 1 / (1 + ibis.literal(2.0) ** (-weight))), else_=p.match_probability
        )
        cols["context"] = j.context
        cols["context_weight"] = j.w.fill_null(0.0)
        self._rewrite("link_pairs", j.select(**cols))

    def move_clusters(self, moves: pa.Table) -> None:
        c = self.con.table("link_clusters")
        m = ibis.memtable(moves, schema={"old": "string", "new": "string"})
        j = c.left_join(m, c.cluster_id == m.old)
        nxt = self.temp(
            "link_clusters__next",
            j.select(identity_id=c.identity_id, cluster_id=j.new.fill_null(c.cluster_id)),
        )
        self.temp("link_clusters", nxt)

    def update_keys(self, persons: str, drop_id: str) -> None:
        k = self.con.table("mpi_keys")
        p = self.con.table(persons)
        changed = k.join(p, k.key == p.identity_id).filter(
            lambda t: t.person_id != t.person_id_right
        )
        stay = k.anti_join(changed.select("key"), "key")
        new = p.anti_join(stay, p.identity_id == stay.key).select(
            key=p.identity_id, person_id=p.person_id, drop_id=ibis.literal(drop_id)
        )
        self._rewrite("mpi_keys", ibis.union(stay, new, distinct=False))

    def update_families(self, people: str, drop_id: str) -> None:
        f = self.con.table("mpi_families")
        p = self.con.table(people)
        j = f.join(p, f.person_id == p.person_id)
        gone = j.filter(j.family_id_right.isnull() | (j.family_id_right != j.family_id))
        stay = f.anti_join(gone.select(person_id=gone.person_id), "person_id")
        new = p.filter(p.family_id.notnull()).anti_join(stay, "person_id")
        new = new.select("person_id", "family_id", drop_id=ibis.literal(drop_id))
        self._rewrite("mpi_families", ibis.union(stay, new, distinct=False))

    def record_events(self, events: ir.Table, drop_id: str, reason: str) -> None:
        ev = self.con.table("mpi_events")
        cols = list(KEPT_SCHEMAS["mpi_events"])
        more = _events(events, drop_id, reason)
        both = ibis.union(
            ev.select(*cols).cast(KEPT_SCHEMAS["mpi_events"]),
            more.select(*cols).cast(KEPT_SCHEMAS["mpi_events"]),
            distinct=False,
        )
        self._rewrite("mpi_events", both)

    def kept_inputs(self, what: str) -> str | None:
        return None  # the Parquet copy keeps nothing from one link to the next

    def keep_inputs(self, what: str, fingerprint: str | None) -> None:
        pass

    def kept_pairs(self) -> ir.Table:
        raise RuntimeError("a link on Spark keeps no scores from the last run")

    def identities_for_splink(self, idents: ir.Table) -> Any:
        return self._df(idents)

    def count(self, identities: Any) -> int:
        return int(identities.count())

    def linker(self, identities: Any, model_path: Path, train: bool, spill: Path) -> Any:
        from splink import Linker, SparkAPI

        if train:  # on DuckDB in the driver: samples of a fixed size (module docstring)
            M.train(identities.toArrow(), model_path, spill=spill)
        db = SparkAPI(spark_session=self.session, break_lineage_method="parquet")  # type: ignore[no-untyped-call]
        if "block_uprns" not in identities.columns:
            identities = identities.withColumn("block_uprns", identities["uprns"])
        model = M.for_spark(json.loads(model_path.read_text(encoding="utf-8")))
        df = db.register(identities, table_name="identities")
        return Linker(df, model, log_level=None)

    def pairs(self, predictions: Any) -> ir.Table:
        df = predictions.as_spark_dataframe()
        return self.replace("link_pairs", df.select(*_pair_columns(list(df.columns))))

    def components(self, nodes: ir.Table, edges: ir.Table, spill: Path) -> ir.Table:
        from splink import SparkAPI
        from splink.clustering import cluster_pairwise_predictions_at_threshold

        db = SparkAPI(spark_session=self.session, break_lineage_method="parquet")  # type: ignore[no-untyped-call]
        result = cluster_pairwise_predictions_at_threshold(
            self._df(nodes), self._df(edges), db_api=db, node_id_column_name="identity_id"
        )
        df = result.as_spark_dataframe().selectExpr(
            "identity_id", "CAST(cluster_id AS STRING) AS cluster_id"
        )
        return self._write(df, self.scratch / "link_clusters_raw", "link_clusters_raw")
