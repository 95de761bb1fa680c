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
5. each person's current address (the latest dated evidence with a UPRN;
   with none, the address of the person they are tied to: a pupil and a
   parent with parental responsibility, the partners of a joint claim),
   households (people at one UPRN), roles at the as-of date and families
   (households with a dependent child), with stable `family_id`s;
6. `person_records.csv` and `people.csv` of the output contract.

Warehouse tables written (replaced by each run, except those marked kept), each
read by a later stage: `link_records` (the engine, `explain-person`, the review
queue, `evaluate`), `link_identities` and `link_pairs` (the review queue,
`explain-person`), `link_people` and `link_meta` (`identify`, the engine, outcomes),
`review_queue`, `mpi_keys` (kept: identity key → person_id, and the drop that gave
it), `mpi_families` (kept: person_id → family_id), `mpi_events` (kept: merges and
splits, with reasons), `review_decisions` (kept). The kept id tables change by
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
from wholefamily.linkage import review as R
from wholefamily.linkage.clusters import merge
from wholefamily.linkage.context import MOVED, household_context
from wholefamily.linkage.identities import identities, identity_keys, most_frequent
from wholefamily.linkage.mpi import assign
from wholefamily.linkage.records import current_files, records
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
)


def records_full(store: Store, drop_id: str) -> ir.Table:
    """The drop's records with their identity keys, in a temporary table. Without the
    file's id (the same 64 characters on every row of a source): no later step reads
    it, and at a million people it is a third of the table."""
    keyed = identity_keys(records(store.con, drop_id)).drop("file_id")
    return store.temp("link_records_full", keyed)


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
) -> LinkReport:
    """Link the drop (the latest by default) as of a date; `engine` is where: the
    DuckDB warehouse, or Spark over its Parquet copy (`stores.py`)."""
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
        drop_id = drop_id or _latest_drop(con)
        if not current_files(con, drop_id):
            raise LinkError(f"drop {drop_id!r} has no loaded files in this workspace")
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
            report = _run(store, workspace, drop_id, as_of, retrain, tick, settings, spill)
            try:
                run = {"step": "link", "drop_id": drop_id, "as_of": as_of.isoformat()}
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
    drop_id: str,
    as_of: date,
    retrain: bool,
    tick: Tick,
    settings: LinkSettings,
    spill: Path,
) -> LinkReport:
    con = store.con
    steps = 6
    tick("records and identities", 1, steps)
    keyed = records_full(store, drop_id)
    write_records(store, keyed)
    idents = write_identities(store, keyed)
    for_splink = store.identities_for_splink(idents)
    n_identities = store.count(for_splink)
    n_records = int(keyed.count().execute())

    tick("matching (Splink)", 2, steps)
    model_path = workspace / MODEL_FILE
    if n_identities >= 2:
        try:
            train = retrain or not model_path.exists()
            linker = store.linker(for_splink, model_path, train, spill)
            model = "trained" if train else "reused"
        except Exception as exc:  # Splink's training errors have no common base class
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LinkError(
                f"the linkage model cannot be trained on this drop ({first}); "
                "a drop needs enough people for the model to learn from"
            ) from None
        pred = linker.inference.predict(threshold_match_probability=REVIEW_LOW)
        pairs_t = store.pairs(pred)
    else:
        model = "none (fewer than two identities)"
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
    people = _people(store, keyed, persons, as_of, drop_id, settings.precedence)
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
    )
    final = store.replace("link_people", final)
    store.update_families("link_people", drop_id)
    store.replace(
        "link_meta",
        ibis.memtable(
            {"drop_id": [drop_id], "as_of": [as_of]}, schema={"drop_id": "string", "as_of": "date"}
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


def _people(
    store: Store,
    keyed: ir.Table,
    persons: ir.Table,
    as_of: date,
    drop_id: str,
    precedence: tuple[str, ...],
) -> ir.Table:
    """One row per person: identity, current address, role, whether in a family."""
    con = store.con
    rec = keyed.join(persons, keyed.identity_id == persons.identity_id)
    # Names as the agencies wrote them (the most frequent spelling), not the match keys.
    ident = most_frequent(rec, "person_id", ["given_forename", "given_surname", "dob", "sex"])
    ident = ident.rename(forename="given_forename", surname="given_surname")
    # Current address: the latest dated evidence on or before the as-of date
    # (open spells count as current), ties broken by source precedence.
    order = {s: i for i, s in enumerate(precedence)}
    dated = rec.filter(rec.uprn.notnull())
    dated = dated.mutate(
        when=ibis.ifelse(
            dated.address_date > as_of, ibis.literal(as_of), dated.address_date
        ).fill_null(ibis.date(1900, 1, 1)),
        rank=dated.source.substitute(order, else_=99),
    )
    best = dated.mutate(
        k=ibis.row_number().over(
            ibis.window(
                group_by=dated.person_id,
                order_by=[ibis.desc(dated.when), dated.rank, dated.record_id],
            )
        )
    )
    address = best.filter(best.k == 0).select("person_id", household_uprn=best.uprn)
    files = current_files(con, drop_id)
    address = _with_ties(store, rec, address, files)
    people = ident.left_join(address, "person_id")
    # Who is on a school roll at the latest census on or before the as-of date.
    on_roll = _on_roll(con, files.get("school_census"), as_of)
    roll_people = keyed.filter(keyed.source == "school_census").semi_join(
        on_roll, keyed.row == on_roll.row
    )
    roll_people = roll_people.join(persons, roll_people.identity_id == persons.identity_id)
    roll = roll_people.select(rp=roll_people.person_id).distinct()
    people = people.left_join(roll, people.person_id == roll.rp)
    age = age_at(people.dob, as_of)
    dependent = (age >= 0) & ((age <= 15) | ((age <= 18) & people.rp.notnull()))
    people = people.mutate(role=ibis.ifelse(dependent.fill_null(False), "CHILD", "ADULT"))
    has_child = (
        people.filter(people.role == "CHILD")
        .select(u=people.household_uprn)
        .filter(ibis._.u.notnull())
        .distinct()
    )
    people = people.left_join(has_child, people.household_uprn == has_child.u)
    return people.select(
        "person_id",
        "forename",
        "surname",
        "dob",
        "sex",
        "household_uprn",
        "role",
        in_family=people.u.notnull(),
    )


def ties(store: Store, rec: ir.Table, files: dict[str, str]) -> ir.Table:
    """(person_id, tied_to): a parent with parental responsibility recorded by a
    school and the pupil; the partners of a joint benefit claim."""
    con = store.con
    parts: list[ir.Table] = []
    # Materialised: both sides of the joins below come from the same records.
    who = store.temp("link_ties_who", rec.select("source", "row", "person_id", "id_key"))
    if "school_contacts" in files:
        c = con.table("src_school_contacts")
        c = c.filter((c.file_id == files["school_contacts"]) & (c.parental_responsibility == "Y"))
        w = who.filter(who.source == "school_contacts")
        # .view(): a join's result joined again needs its own relation in Ibis
        parent = (
            c.join(w, c.row == w.row).select(upn=c.upn.strip().upper(), parent=w.person_id).view()
        )
        pupil = (
            who.filter(who.id_key.startswith("upn:"))
            .select(upn=who.id_key.substr(4), child=who.person_id)
            .distinct()
            .view()
        )
        pc = parent.join(pupil, "upn")
        parts.append(pc.select(person_id=pc.parent, tied_to=pc.child))
        parts.append(pc.select(person_id=pc.child, tied_to=pc.parent))
    if "dwp_benefits" in files:
        b = con.table("src_dwp_benefits")
        b = b.filter(b.file_id == files["dwp_benefits"])
        w = who.filter(who.source == "dwp_benefits")
        claim = b.join(w, b.row == w.row).select(claim=b.claim_ref, person_id=w.person_id)
        claim = claim.distinct().view()
        other = claim.select(claim="claim", tied_to="person_id").view()
        pairs = claim.join(other, "claim")
        pairs = pairs.filter(pairs.person_id != pairs.tied_to)
        parts.append(pairs.select("person_id", "tied_to"))
    if not parts:
        return ibis.memtable(
            {"person_id": [], "tied_to": []}, schema={"person_id": "string", "tied_to": "string"}
        )
    return ibis.union(*parts, distinct=True)


def _with_ties(store: Store, rec: ir.Table, address: ir.Table, files: dict[str, str]) -> ir.Table:
    """A person with no address evidence lives where the person they are tied to lives."""
    t = ties(store, rec, files)
    known = address.select(tied_to="person_id", u="household_uprn")
    borrowed = t.join(known, "tied_to").group_by("person_id").aggregate(u=ibis._.u.min())
    everyone = rec.select("person_id").distinct()
    out = everyone.left_join(address, "person_id").left_join(borrowed, "person_id")
    return out.select("person_id", household_uprn=ibis.coalesce(out.household_uprn, out.u))


def _on_roll(con: Any, census_file: str | None, as_of: date) -> ir.Table:
    if census_file is None:
        return ibis.memtable({"row": []}, schema={"row": "int64"})
    c = con.table("src_school_census")
    c = c.filter((c.file_id == census_file) & (c.census_date <= as_of))
    latest = c.census_date.max().as_scalar()
    return c.filter(c.census_date == latest).select("row")


def age_at(dob: ir.DateValue, when: date | ir.DateValue) -> ir.IntegerValue:
    """Whole years at `when` (a date, or a date column of the same rows)."""
    at = ibis.literal(when) if isinstance(when, date) else when
    years = at.year() - dob.year()
    before_birthday = (dob.month() > at.month()) | (
        (dob.month() == at.month()) & (dob.day() > at.day())
    )
    return years - ibis.ifelse(before_birthday, 1, 0)


OUTPUT_FILES = ("person_records.csv", "people.csv")


def write_outputs(con: Any, staged: Staged) -> None:
    """person_records.csv and people.csv of the linkage into a folder being written
    (every row in an order of a total key, so identical runs write identical bytes)."""
    rec = con.table("link_records")
    ids = con.table("mpi_keys")
    pr = rec.join(ids, rec.identity_id == ids.key).select("source", "row", "person_id")
    staged.write_csv(pr.order_by(["source", "row", "person_id"]).to_pyarrow(), OUTPUT_FILES[0])
    people = con.table("link_people")
    cols = ["person_id", "forename", "surname", "dob", "sex", "uprn", "family_id", "role"]
    staged.write_csv(people.select(cols).order_by(cols).to_pyarrow(), OUTPUT_FILES[1])
