"""`wholefamily link`: people across sources, then households and families.

1. records of the drop (`records.py`) → identities (`identities.py`);
2. a Splink model over identities (`model.py`), trained once and saved in
   the workspace (`models/linkage.json`), reused by later runs;
3. pairs at or above the threshold are clustered into persons (`clusters.py`);
   the band's pairs at two addresses get a second look at their households
   (`context.py`: moved together, a match; housemates apart, two people); the
   pairs left in the review band go to the review queue; clerical decisions
   override the model;
4. stable `person_id`s from the master person index (`mpi.py`);
5. (`households.py`) each person's current address (the latest dated evidence with a UPRN;
   with none, the address of the person they are tied to: a pupil and a
   parent with parental responsibility, the partners of a joint claim),
   households (people at one UPRN), roles at the as-of date and families
   (households with a dependent child), with stable `family_id`s;
6. `person_records.csv` and `people.csv` of the output contract.

Several councils (`councils`: LA code and drop each) are linked as one: every
council's records together, person ids global, each record, person and household
tagged with its council (`la_code`; docs/councils.md).

Warehouse tables written (replaced by each run, except those marked kept), each
read by a later stage: `link_records` (the engine, `explain-person`, the review
queue, `evaluate`), `link_identities` and `link_pairs` (the review queue,
`explain-person`), `link_people` and `link_meta` (`identify`, the engine, outcomes),
`review_queue`, `link_scores` (Splink's scores before the household context moves
some, which `link_pairs` is made from) and `link_inputs` (the fingerprints of what
`link_records`, `link_identities` and `link_scores` were made from: a second link of
the same records keeps them, `reuse.py`), `mpi_keys` (kept: identity key →
person_id, and the drop that gave it), `mpi_families` (kept: person_id →
family_id), `mpi_events` (kept: merges and splits, with reasons),
`review_decisions` (kept). The kept id tables change by
difference: the rows a run changes are deleted and inserted, the rest stay as
they are. What only this run reads (clusters, the ids of this run's clusters and
households, each person's address) is held in temporary tables, never written
to the warehouse file (`INTERMEDIATE`).

`engine="spark"` runs the same expressions on Spark over the Parquet copy of the
warehouse; how each engine writes, keeps and scores is `stores.py` (docs/spark.md).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from wholefamily import warehouse as W
from wholefamily.atomic import FolderError, Staged, check_replaceable, staged_folder
from wholefamily.ingest.load import latest_drop
from wholefamily.linkage import reuse
from wholefamily.linkage import review as R
from wholefamily.linkage.clusters import merge
from wholefamily.linkage.context import MOVED, household_context
from wholefamily.linkage.households import age_at as age_at  # read by the frameworks engine
from wholefamily.linkage.households import people_at
from wholefamily.linkage.identities import identities, identity_keys
from wholefamily.linkage.mpi import assign
from wholefamily.linkage.records import Councils, council_records, current_files
from wholefamily.linkage.stores import DuckStore, SparkStore

Store = DuckStore | SparkStore

Tick = Callable[[str, int, int], None]
MATCH_THRESHOLD = 0.9
REVIEW_LOW = 0.5
MODEL_FILE = Path("models") / "linkage.json"
# Which source wins when two records date an address on the same day.
SOURCE_PRECEDENCE = (
    "housing",
    "social_care",
    "school_census",
    "dwp_benefits",
    "health",
    "referrals",
    "police_offences",
    "asb",
    "domestic_abuse",
    "employment",
    "school_contacts",
)


class LinkError(Exception):
    """Nothing to link, or the workspace cannot be used."""


@dataclass
class LinkReport:
    drop_id: str
    as_of: date
    records: int
    identities: int
    persons: int
    new_persons: int
    households: int
    families: int
    review_pairs: int
    merged: int
    split: int
    model: str
    out: str


def _latest_drop(con: Any) -> str:
    drop_id = latest_drop(con)
    if drop_id is None:
        raise LinkError("nothing has been loaded into this workspace: run `wholefamily load`")
    return drop_id


# Read by this run only: temporary tables (in memory, spilling to the warehouse's
# temporary folder), gone when the connection closes. Earlier versions kept them in
# the warehouse file; a run drops those.
INTERMEDIATE = (
    "link_records_full",
    "link_clusters",
    "link_persons",
    "link_person_ids",
    "link_people_stage",
    "link_family_ids",
)


# The columns of `link_records` later stages read (the rest are this run's alone).
RECORD_COLUMNS = (
    "source",
    "row",
    "identity_id",
    "id_key",
    "forename",
    "surname",
    "dob",
    "sex",
    "postcode",
    "uprn",
    "la_code",
)


def records_full(store: Store, councils: Councils, today: date | None = None) -> ir.Table:
    """The drops' records with their identity keys, in a temporary table. Without the
    file's id (the same 64 characters on every row of a source): no later step reads
    it, and at a million people it is a third of the table."""
    keyed = identity_keys(council_records(store.con, councils, today)).drop("file_id")
    return store.temp("link_records_full", keyed)


def run_name(councils: Councils) -> str:
    """The id a linkage is recorded under: its drop's, or for several councils their
    drops' joined by '+'."""
    return "+".join(d for _, d in councils)


def write_records(store: Store, keyed: ir.Table) -> ir.Table:
    return store.replace("link_records", keyed.select(*RECORD_COLUMNS))


def write_identities(store: Store, keyed: ir.Table) -> ir.Table:
    return store.replace("link_identities", identities(keyed))


def _next_number(con: Any, table: str, column: str) -> int:
    """The next free number for ids of `table.column`; ids that were merged or
    split away (kept in `mpi_events`) are never given out again."""
    prefix = "P" if column == "person_id" else "F"
    ids = [con.table(table).select(i=con.table(table)[column])]
    if W.has_table(con, "mpi_events"):
        ev = con.table("mpi_events")
        ids += [ev.select(i=ev.id), ev.select(i=ev.other)]
    every = ibis.union(*ids, distinct=False)
    mine = every.filter(every.i.startswith(prefix))
    top = mine.aggregate(m=mine.i.substr(1).cast("int64").max()).execute()["m"][0]
    return 1 if top is None or top != top else int(top) + 1


@dataclass(frozen=True)
class LinkSettings:
    """What a council may set: the match threshold and whose address wins a tie."""

    threshold: float = MATCH_THRESHOLD
    precedence: tuple[str, ...] = SOURCE_PRECEDENCE

    def check(self) -> None:
        if not REVIEW_LOW < self.threshold < 1:
            raise LinkError(f"the match threshold must be between {REVIEW_LOW} and 1")
        from wholefamily.linkage.records import person_sources

        unknown = [s for s in self.precedence if s not in person_sources()]
        if unknown:
            raise LinkError(
                f"unknown source {unknown[0]!r} in the address precedence; "
                f"use: {', '.join(person_sources())}"
            )


def link(
    workspace: Path,
    drop_id: str | None = None,
    as_of: date | None = None,
    out: Path | None = None,
    retrain: bool = False,
    progress: Tick | None = None,
    settings: LinkSettings | None = None,
    engine: str = "duckdb",
    councils: Councils | None = None,
) -> LinkReport:
    """Link a drop (the latest loaded by default) as of a date, or with `councils` the
    drops of several councils (LA code, drop id) together: one linkage, people's ids
    global, each record, person and household tagged with its council. `engine` is
    where: the DuckDB warehouse, or Spark over its Parquet copy (`stores.py`)."""
    tick = progress or (lambda _m, _d, _t: None)
    settings = settings or LinkSettings()
    settings.check()
    spill = spill_folder(workspace)
    if not W.warehouse_path(workspace).exists():
        raise LinkError(f"no warehouse in {workspace}: run `wholefamily load` first")
    try:
        store: Store = SparkStore(workspace, spill) if engine == "spark" else DuckStore(workspace)
    except W.WarehouseError as exc:
        raise LinkError(str(exc)) from None
    con = store.con
    try:
        councils = councils or [(None, drop_id or _latest_drop(con))]
        for _, one in councils:
            if not current_files(con, one):
                raise LinkError(f"drop {one!r} has no loaded files in this workspace")
        drop_id = run_name(councils)
        as_of = as_of or date.today()
        store.prepare(INTERMEDIATE)
        out = out or workspace / "runs" / drop_id
        try:
            check_replaceable(out, OUTPUT_FILES)  # before the work, not after it
        except FolderError as exc:
            raise LinkError(str(exc)) from None
        # The outputs are written, and put in place whole, inside the linkage's
        # transaction: the warehouse commits only once the folder is complete, so a
        # linkage the warehouse holds always has its folder (a failure or a kill before
        # the commit leaves both as they were, and at worst `OUT.tmp-PID` beside OUT).
        with store.transaction(), store.failures(LinkError):
            store.ensure_kept(INTERMEDIATE)
            report = _run(store, workspace, councils, as_of, retrain, tick, settings, spill)
            try:
                run = {"step": "link", "drop_id": drop_id, "as_of": as_of.isoformat()}
                if councils[0][0]:
                    run["councils"] = ",".join(f"{la}={d}" for la, d in councils)
                with staged_folder(out, run=run, names=OUTPUT_FILES) as staged:
                    write_outputs(con, staged)
            except OSError as exc:
                said = str(exc) if isinstance(exc, FolderError) else exc.strerror or str(exc)
                raise LinkError(
                    f"cannot write the outputs to {out}: {said}; nothing was linked"
                ) from None
        report.out = str(out)
    finally:
        store.close()
        _remove_spill(spill)
    return report


def spill_folder(workspace: Path) -> Path:
    """Where this run's Splink DuckDBs spill (their own folder, so two runs never share
    one); removed when the run ends, whatever way it ends."""
    return workspace / MODEL_FILE.parent / "spill" / f"run-{os.getpid()}"


def _remove_spill(spill: Path) -> None:
    import gc

    gc.collect()  # the linker's DuckDB connections close, and their temporary files go
    shutil.rmtree(spill, ignore_errors=True)
    with contextlib.suppress(OSError):
        spill.parent.rmdir()  # `spill/` itself, when no other run is using it


def _run(
    store: Store,
    workspace: Path,
    councils: Councils,
    as_of: date,
    retrain: bool,
    tick: Tick,
    settings: LinkSettings,
    spill: Path,
) -> LinkReport:
    con = store.con
    steps = 6
    drop_id = run_name(councils)
    tick("records and identities", 1, steps)
    today = date.today()
    keyed = records_full(store, councils, today)
    # The same records as the last link's (`reuse.py`): its two tables of them are kept.
    inputs = reuse.records_fingerprint(con, councils, today) if store.engine == "duckdb" else ""
    kept = bool(inputs) and store.kept_inputs(reuse.RECORDS) == inputs
    if kept:
        idents = con.table("link_identities")
    else:
        write_records(store, keyed)
        idents = write_identities(store, keyed)
    store.keep_inputs(reuse.RECORDS, inputs)
    for_splink = store.identities_for_splink(idents)
    n_identities = store.count(for_splink)
    n_records = int(keyed.count().execute())

    tick("matching (Splink)", 2, steps)
    model_path = workspace / MODEL_FILE
    if n_identities >= 2:
        pairs_t: ir.Table | None = None
        try:
            train = retrain or not model_path.exists()
            linker = store.linker(for_splink, model_path, train, spill) if train else None
            model = "trained" if train else "reused"
            scores = reuse.scores_fingerprint(inputs, model_path)
            if kept and store.kept_inputs(reuse.SCORES) == scores:
                pairs_t = store.kept_pairs()  # the same identities and model: same scores
                model += ", the scores of the same records kept from the last run"
            elif linker is None:
                linker = store.linker(for_splink, model_path, False, spill)
        except Exception as exc:  # Splink's training errors have no common base class
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LinkError(
                f"the linkage model cannot be trained on this drop ({first}); "
                "a drop needs enough people for the model to learn from"
            ) from None
        if pairs_t is None:
            assert linker is not None
            pred = linker.inference.predict(threshold_match_probability=REVIEW_LOW)
            pairs_t = store.pairs(pred)
        store.keep_inputs(reuse.SCORES, scores)
    else:
        model = "none (fewer than two identities)"
        store.keep_inputs(reuse.SCORES, None)
        pairs_arrow = pa.table(
            {
                "identity_id_l": pa.array([], pa.string()),
                "identity_id_r": pa.array([], pa.string()),
                "match_probability": pa.array([], pa.float64()),
                "match_weight": pa.array([], pa.float64()),
            }
        )
        pairs_t = store.replace("link_pairs", pairs_arrow)

    tick("clusters and the review queue", 3, steps)
    decisions = R.current_decisions(con).select("identity_id_l", "identity_id_r", "decision")
    p = pairs_t.left_join(decisions, ["identity_id_l", "identity_id_r"])
    linked = p.filter(
        (p.decision == "match")
        | (p.decision.isnull() & (p.match_probability >= settings.threshold))
    ).select("identity_id_l", "identity_id_r")
    # Decisions for pairs the model no longer proposes still count.
    forced = decisions.filter(decisions.decision == "match").select(
        "identity_id_l", "identity_id_r"
    )
    known = idents.identity_id
    forced = forced.filter(forced.identity_id_l.isin(known) & forced.identity_id_r.isin(known))

    def ids(t: ir.Table) -> ir.Table:
        return t.select(
            identity_id_l=t.identity_id_l.cast("!string"),
            identity_id_r=t.identity_id_r.cast("!string"),
        )

    edges = ibis.union(ids(linked), ids(forced), distinct=True)
    clusters = store.components(idents.select("identity_id"), edges, spill)
    store.temp("link_clusters", clusters)
    # A second look at the band: the households of the two sides (`context.py`); the
    # pairs it lifts to matches join their clusters.
    household_context(store, REVIEW_LOW, settings.threshold)
    pairs_t = con.table("link_pairs")
    merge(store, pairs_t.filter(pairs_t.context == MOVED))
    clusters_t = con.table("link_clusters")
    p = pairs_t.left_join(decisions, ["identity_id_l", "identity_id_r"])
    # The whole band, decided pairs too: the queue shows those with no decision now,
    # so a decision undone after this run puts its pair back.
    review = p.filter(
        (p.match_probability >= REVIEW_LOW) & (p.match_probability < settings.threshold)
    )
    waiting = review.filter(review.decision.isnull())
    review = store.replace(
        "review_queue",
        review.select("identity_id_l", "identity_id_r", "match_probability", "match_weight"),
    )

    tick("person ids", 4, steps)
    prev = store.temp(
        "link_previous_keys",
        con.table("mpi_keys").select(identity_id=ibis._.key, person_id=ibis._.person_id),
    )
    assigned, events = assign(
        clusters_t,
        prev,
        group="cluster_id",
        member="identity_id",
        ident="person_id",
        prefix="P",
        next_number=_next_number(con, "mpi_keys", "person_id"),
    )
    assigned = store.temp("link_person_ids", assigned)
    store.record_events(events, drop_id, "linked by the model or a review decision")
    persons = clusters_t.join(assigned, "cluster_id").select("identity_id", "person_id")
    persons = store.temp("link_persons", persons)
    store.update_keys("link_persons", drop_id)

    tick("households and families", 5, steps)
    people = people_at(store, keyed, persons, as_of, councils, settings.precedence)
    people = store.temp("link_people_stage", people)
    fam_members = people.filter(people.household_uprn.notnull() & people.in_family).select(
        group=people.household_uprn, person_id=people.person_id
    )
    prev_fam = con.table("mpi_families").select("person_id", "family_id")
    fam_assigned, fam_events = assign(
        fam_members,
        prev_fam,
        group="group",
        member="person_id",
        ident="family_id",
        prefix="F",
        next_number=_next_number(con, "mpi_families", "family_id"),
    )
    fam_assigned = store.temp("link_family_ids", fam_assigned)
    store.record_events(fam_events, drop_id, "family membership changed")
    final = people.left_join(fam_assigned, people.household_uprn == fam_assigned.group)
    final = final.select(
        person_id=final.person_id,
        forename=final.forename,
        surname=final.surname,
        dob=final.dob,
        sex=final.sex,
        uprn=final.household_uprn,
        family_id=ibis.ifelse(final.in_family, final.family_id, ibis.null("string")),
        role=final.role,
        la_code=final.la_code,
    )
    final = store.replace("link_people", final)
    store.update_families("link_people", drop_id)
    tagged = ",".join(f"{la}={d}" for la, d in councils) if councils[0][0] else None
    store.replace(
        "link_meta",
        ibis.memtable(
            {"drop_id": [drop_id], "as_of": [as_of], "councils": [tagged]},
            schema={"drop_id": "string", "as_of": "date", "councils": "string"},
        ),
    )
    tick("writing outputs", 6, steps)
    counts = final.aggregate(
        persons=final.count(),
        households=final.uprn.nunique(),
        families=final.family_id.nunique(),
    ).execute()
    ev = con.table("mpi_events")
    ev = ev.filter(ev.drop_id == drop_id).group_by("kind").aggregate(n=ibis._.count()).execute()
    ev_n = dict(zip(ev["kind"], ev["n"], strict=True))
    prev_people = prev.person_id.nunique().execute()
    return LinkReport(
        drop_id=drop_id,
        as_of=as_of,
        records=n_records,
        identities=n_identities,
        persons=int(counts["persons"][0]),
        new_persons=int(assigned.anti_join(prev, "person_id").count().execute()),
        households=int(counts["households"][0]),
        families=int(counts["families"][0]),
        review_pairs=int(waiting.count().execute()),
        merged=int(ev_n.get("merged", 0)),
        split=int(ev_n.get("split", 0)),
        model=model + (f" ({prev_people:,} persons known before)" if prev_people else ""),
        out="",
    )


OUTPUT_FILES = ("person_records.csv", "people.csv")


def write_outputs(con: Any, staged: Staged, la_code: str | None = None) -> None:
    """person_records.csv and people.csv of the linkage into a folder being written
    (every row in an order of a total key, so identical runs write identical bytes);
    with `la_code`, that council's only: its records, and the people it holds (see
    `_people`). A linkage of several councils, untold, writes everyone's, each row
    with its `la_code`."""
    rec = con.table("link_records")
    ids = con.table("mpi_keys")
    people = con.table("link_people")
    several = "la_code" in people.columns and la_code is None and _tagged(people)
    if la_code is not None:
        rec = rec.filter(rec.la_code == la_code)
        people = people.filter(people.la_code == la_code)
    key = ["la_code", "source", "row"] if several else ["source", "row"]
    pr = rec.join(ids, rec.identity_id == ids.key).select(*key, "person_id")
    staged.write_csv(pr.order_by([*key, "person_id"]).to_pyarrow(), OUTPUT_FILES[0])
    cols = ["person_id", "forename", "surname", "dob", "sex", "uprn", "family_id", "role"]
    cols += ["la_code"] if several else []
    staged.write_csv(people.select(cols).order_by(cols).to_pyarrow(), OUTPUT_FILES[1])


def _tagged(people: ir.Table) -> bool:
    """Whether the linkage was of councils (its people carry LA codes)."""
    return bool(people.la_code.notnull().any().execute())
