"""Clerical review and explanation of the links.

The review queue holds the pairs of identities the model is unsure about
(match probability from REVIEW_LOW up to the match threshold). A reviewer's
decision (match or no_match) is kept in `review_decisions` and overrides the
model in every later run, whatever the model then says.

`review_decisions` is a history that only grows: each decision is appended
(both ways round, so it meets Splink's pairs in either order) with a number
`seq` giving the order decisions were made in, and an undo appends a row
whose decision is `undone`. A pair's decision now is its latest row, unless
that row is `undone` (then the model decides again). Nothing is deleted, so
who decided what, and who took it back, stays on record.

`queue_page` is the queue as the web app shows it: the pairs with no decision
now, the ones that change a family first, filtered by source pair and score
band and paged, each with both identities' fields, sources and the weight each
comparison added (the waterfall `explain` gives, by `waterfall`).

`explain(person_id, model)` lists a person's records and, for every pair of
their identities the model scored, the weight each comparison added: the
prior, then forename, surname, dob, address and sex (log2 m/u of the level
the pair reached, from the saved model), and what term frequencies added,
summing to the pair's match weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily import warehouse as W
from wholefamily.linkage.context import CONTEXT_WORDS
from wholefamily.sources.schema import SOURCES

DECISIONS = ("match", "no_match")
UNDONE = "undone"  # a decision withdrawn: the pair is the model's again
SHOWN = ("forename", "surname", "dob", "sex", "postcode", "uprn")
COMPARED = ("forename", "surname", "dob", "address", "sex")

# The sources and identity keys in words, for people reading the queue.
SOURCE_NAMES = {name: s.title for name, s in SOURCES.items()}  # the contract's words
KEY_NAMES = {
    "upn": "Unique pupil number",
    "police": "Police person reference",
    "nino": "National Insurance number",
    "nhs": "NHS number",
    "socialcare": "Social care child reference",
}
COMPARISON_NAMES = {
    "forename": "First name",
    "surname": "Last name",
    "dob": "Date of birth",
    "address": "Address",
    "sex": "Sex",
}
# The model's level labels (model.comparisons) as a reviewer would say them.
LEVEL_WORDS = {
    "null": "missing on one side",
    "exact": "the same",
    "same name (nickname)": "the same name (a short form)",
    "Jaro-Winkler >= 0.92": "spelt nearly the same",
    "Jaro-Winkler >= 0.80": "spelt alike",
    "a shared part": "a part of the name shared",
    "different": "different",
    "different, a parent recorded by a school": "different (a parent, as a school wrote it)",
    "relatives: one surname, one address, years apart or two forenames": (
        "relatives at one address (one last name; born years apart, or two first names)"
    ),
    # The same level in a model trained before two forenames counted.
    "relatives: one surname, one address, years apart": (
        "relatives at one address (one last name, born years apart)"
    ),
    "no such tie": "not relatives at one address",
    "a parent against a child's date of birth": "a parent against a child",
    "day and month swapped": "day and month swapped",
    "one part different": "one part different",
    "within 5 years": "within 5 years",
    "more than 5 years apart": "more than 5 years apart",
    "an address in common": "an address in common",
    "same postcode": "the same postcode",
    "same sector": "the same postcode sector",
    **CONTEXT_WORDS,  # the band's second look at the households (`context.py`)
}
CONTEXT_STEP = "context"  # the waterfall's step for the households' context
# Score bands of the queue: (value, lowest probability, label).
BANDS = (
    ("50", 0.5, "50% to 60%"),
    ("60", 0.6, "60% to 70%"),
    ("70", 0.7, "70% to 80%"),
    ("80", 0.8, "80% to 90%"),
    ("90", 0.9, "90% or more"),
)


class ReviewError(Exception):
    """No such pair or person, or nothing linked yet."""


def _need(con: Any, table: str) -> None:
    if not W.has_table(con, table):
        raise ReviewError("nothing linked in this workspace yet: run `wholefamily link`")


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source.replace("_", " ").capitalize())


def identity_words(identity_id: str) -> str:
    """An identity key in words ('contact:07107659497:ELLA': 'School contact, phone ...')."""
    kind, _, rest = identity_id.partition(":")
    if kind in KEY_NAMES:
        return f"{KEY_NAMES[kind]} {rest}"
    if kind == "contact":
        return f"School contact, phone {rest.partition(':')[0]}"
    if kind == "exact":
        return f"{source_name(rest.partition(':')[0])}: one name and date of birth"
    if kind == "record":
        source, _, row = rest.partition(":")
        return f"{source_name(source)}: a single record (row {row})"
    return "A record"


# Decisions: a history --------------------------------------------------------------

_DECISION_COLUMNS = (
    "identity_id_l VARCHAR, identity_id_r VARCHAR, decision VARCHAR, note VARCHAR, "
    "decided_by VARCHAR, decided_at TIMESTAMP, seq BIGINT"
)


def ensure_decisions(con: Any) -> None:
    """`review_decisions` as a history. A warehouse from before undo had one row per
    pair (its primary key); it is rebuilt once without the key, numbered by time.
    Call inside the caller's transaction."""
    raw = con.con
    if not W.has_table(con, "review_decisions"):
        raw.execute(f"CREATE TABLE review_decisions ({_DECISION_COLUMNS})")
        return
    if "seq" in con.table("review_decisions").columns:
        return
    raw.execute(f"CREATE TABLE review_decisions_history ({_DECISION_COLUMNS})")
    raw.execute(
        "INSERT INTO review_decisions_history SELECT identity_id_l, identity_id_r, decision, "
        "note, decided_by, decided_at, row_number() OVER (ORDER BY decided_at, identity_id_l, "
        "identity_id_r) FROM review_decisions"
    )
    raw.execute("DROP TABLE review_decisions")
    raw.execute("ALTER TABLE review_decisions_history RENAME TO review_decisions")


def current_decisions(con: Any) -> ir.Table:
    """Each pair's decision now (both ways round): its latest row, unless undone."""
    d = con.table("review_decisions")
    if "seq" not in d.columns:  # written before undo: one row per pair, each current
        return d.filter(d.decision != UNDONE)
    latest = d.mutate(
        k=ibis.row_number().over(
            ibis.window(group_by=[d.identity_id_l, d.identity_id_r], order_by=ibis.desc(d.seq))
        )
    )
    return latest.filter((latest.k == 0) & (latest.decision != UNDONE)).drop("k")


def decision_of(con: Any, left: str, right: str) -> dict[str, Any] | None:
    """The pair's decision now (decision, note, decided_by, decided_at), or None."""
    if not W.has_table(con, "review_decisions"):
        return None
    d = current_decisions(con)
    found = (
        d.filter((d.identity_id_l == left) & (d.identity_id_r == right)).to_pyarrow().to_pylist()
    )
    return found[0] if found else None


def _append(con: Any, pair: list[str], decision: str, note: str, who: str) -> None:
    left, right = pair
    now = datetime.now(UTC).replace(tzinfo=None)
    for a, b in ((left, right), (right, left)):
        con.con.execute(
            "INSERT INTO review_decisions SELECT ?, ?, ?, ?, ?, ?, coalesce(max(seq), 0) + 1 "
            "FROM review_decisions",
            [a, b, decision, note, who, now],
        )


def decide(con: Any, left: str, right: str, decision: str, note: str, who: str) -> None:
    """Record a decision on a pair (it replaces any decision before it, which stays on record)."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    _need(con, "link_identities")
    ids = set(
        con.table("link_identities")
        .filter(ibis._.identity_id.isin([left, right]))
        .identity_id.to_pyarrow()
        .to_pylist()
    )
    for ident in (left, right):
        if ident not in ids:
            raise ReviewError(f"no identity {ident!r} in the last linkage run")
    if left == right:
        raise ReviewError("a pair needs two different identities")
    ensure_decisions(con)
    _append(con, sorted((left, right)), decision, note, who)


def undo(con: Any, left: str, right: str, who: str, note: str = "") -> str:
    """Withdraw the pair's decision (the model decides again); returns the decision withdrawn."""
    _need(con, "review_decisions")
    ensure_decisions(con)
    lo, hi = sorted((left, right))
    now = decision_of(con, lo, hi)
    if now is None:
        raise ReviewError(f"no decision on {left} and {right} to undo")
    _append(con, [lo, hi], UNDONE, note, who)
    return str(now["decision"])


# The match weights -----------------------------------------------------------------


def levels(model: dict[str, Any]) -> tuple[float, dict[str, dict[int, tuple[str, float]]]]:
    """The prior and, per comparison, each level's label and weight (log2 m/u) by its
    gamma value (-1: the null level, weight 0)."""
    lam = float(model.get("probability_two_random_records_match", 1e-5))
    prior = math.log2(lam / (1 - lam))
    out: dict[str, dict[int, tuple[str, float]]] = {}
    for comp in model.get("comparisons", []):
        non_null = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        found: dict[int, tuple[str, float]] = {-1: ("null", 0.0)}
        for i, lv in enumerate(non_null):
            m, u = lv.get("m_probability"), lv.get("u_probability")
            weight = math.log2(m / u) if m and u else 0.0
            found[len(non_null) - 1 - i] = (str(lv.get("label_for_charts", "")), weight)
        out[comp["output_column_name"]] = found
    return prior, out


def waterfall(
    pair: dict[str, Any], prior: float, by_level: dict[str, dict[int, tuple[str, float]]]
) -> list[tuple[str, str, float]]:
    """(step, level reached, weight) for a scored pair (its gamma_ columns and match_weight):
    the prior, each comparison, the households' context if it moved the pair (`context`,
    `context_weight`), then what name frequencies added, summing to the weight."""
    steps = [("prior", "", round(prior, 2))]
    for col, value in pair.items():
        if col.startswith("gamma_") and value is not None:
            label, weight = by_level.get(col[6:], {}).get(value, ("", 0.0))
            steps.append((col[6:], label, round(weight, 2)))
    if pair.get("context"):
        steps.append((CONTEXT_STEP, str(pair["context"]), round(pair["context_weight"], 2)))
    rest = pair["match_weight"] - sum(w for _, _, w in steps)
    if abs(rest) >= 0.01:  # term-frequency adjustments of rare or common names
        steps.append(("name frequency", "", round(rest, 2)))
    return steps


# The queue -------------------------------------------------------------------------


def _pending(con: Any) -> ir.Table:
    """The review band's pairs with no decision now."""
    q = con.table("review_queue")
    if W.has_table(con, "review_decisions"):
        q = q.anti_join(current_decisions(con), ["identity_id_l", "identity_id_r"])
    return q


def _facts(con: Any, pend: ir.Table) -> ir.Table:
    """Per identity in `pend`: its main source (most records; ties: the first by name), its
    person and family in the last run."""
    wanted = ibis.union(
        pend.select(identity_id=pend.identity_id_l), pend.select(identity_id=pend.identity_id_r)
    ).distinct()
    rec = con.table("link_records")
    rec = rec.semi_join(wanted, "identity_id")
    n = rec.group_by(["identity_id", "source"]).aggregate(n=ibis._.count())
    n = n.mutate(
        k=ibis.row_number().over(
            ibis.window(group_by=n.identity_id, order_by=[ibis.desc(n.n), n.source])
        )
    )
    main = n.filter(n.k == 0).select("identity_id", "source")
    keys = con.table("mpi_keys").select(identity_id=ibis._.key, person_id=ibis._.person_id)
    fam = con.table("link_people").select("person_id", "family_id")
    people = keys.semi_join(wanted, "identity_id").left_join(fam, "person_id")
    people = people.select("identity_id", "person_id", "family_id")
    return (
        wanted.left_join(main, "identity_id")
        .left_join(people, "identity_id")
        .select("identity_id", "source", "person_id", "family_id")
    )


def _annotated(con: Any) -> ir.Table:
    """The pending pairs with each side's main source and family, the source pair and band,
    and whether a decision changes a family: the two are different people now and at
    least one of them is in a family."""
    pend = _pending(con)
    facts = _facts(con, pend)
    sides = {
        s: facts.select(
            **{
                f"identity_id_{s}": facts.identity_id,
                f"source_{s}": facts.source,
                f"person_{s}": facts.person_id,
                f"family_{s}": facts.family_id,
            }
        )
        for s in "lr"
    }
    t = pend.left_join(sides["l"], "identity_id_l").left_join(sides["r"], "identity_id_r")
    t = t.select(
        *pend.columns, *[c for s in "lr" for c in sides[s].columns if c != f"identity_id_{s}"]
    )
    src_l, src_r = t.source_l.fill_null(""), t.source_r.fill_null("")
    band = (t.match_probability * 10).floor().cast("int64").clip(5, 9) * 10
    return t.mutate(
        pair_sources=ibis.least(src_l, src_r) + "+" + ibis.greatest(src_l, src_r),
        band=band.cast("string"),
        changes_family=(t.person_l.fill_null("") != t.person_r.fill_null(""))
        & (t.family_l.notnull() | t.family_r.notnull()),
    )


def _pair_label(key: str) -> str:
    a, _, b = key.partition("+")
    if a == b:
        return f"{source_name(a)} with {source_name(a)}"
    return f"{source_name(a)} with {source_name(b)}"


@dataclass
class QueuePage:
    waiting: int
    """Every pair waiting for a decision."""
    total: int
    """The pairs waiting that the filters keep."""
    offset: int
    pairs: list[dict[str, Any]]
    source_pairs: list[tuple[str, str, int]]
    """(value, label, pairs waiting) of each source pair in the queue."""
    bands: list[tuple[str, str, int]]
    """(value, label, pairs waiting) of each score band."""


def queue_page(
    con: Any,
    model: dict[str, Any] | None = None,
    *,
    offset: int = 0,
    limit: int = 20,
    source_pair: str = "",
    band: str = "",
) -> QueuePage:
    """The pairs waiting for a decision: those that change a family first, then the likelier
    matches; filtered by source pair ('dwp_benefits+school_contacts') and score band ('60')."""
    _need(con, "review_queue")
    t = _annotated(con)
    by_sources = t.group_by("pair_sources").aggregate(n=ibis._.count()).to_pyarrow().to_pylist()
    by_band = dict(
        (r["band"], r["n"])
        for r in t.group_by("band").aggregate(n=ibis._.count()).to_pyarrow().to_pylist()
    )
    waiting = sum(r["n"] for r in by_sources)
    if source_pair:
        t = t.filter(t.pair_sources == source_pair)
    if band:
        t = t.filter(t.band == band)
    total = int(t.count().execute())
    t = t.order_by(
        [
            ibis.desc(t.changes_family),
            ibis.desc(t.match_probability),
            t.identity_id_l,
            t.identity_id_r,
        ]
    ).limit(limit, offset=offset)
    page = t.to_pyarrow().to_pylist()
    return QueuePage(
        waiting=waiting,
        total=total,
        offset=offset,
        pairs=_detail(con, page, model),
        source_pairs=sorted(
            ((r["pair_sources"], _pair_label(r["pair_sources"]), r["n"]) for r in by_sources),
            key=lambda x: x[1],
        ),
        bands=[(v, label, by_band[v]) for v, _, label in BANDS if v in by_band],
    )


def _detail(
    con: Any, page: list[dict[str, Any]], model: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The page's pairs with both identities' fields (`<column>_l`, `<column>_r`), sources,
    addresses in words and the waterfall of the model's weights."""
    if not page:
        return []
    ids = sorted({p[f"identity_id_{s}"] for p in page for s in "lr"})
    idents = {
        r["identity_id"]: r
        for r in con.table("link_identities")
        .filter(ibis._.identity_id.isin(ids))
        .select("identity_id", *SHOWN)
        .to_pyarrow()
        .to_pylist()
    }
    rec = con.table("link_records").filter(ibis._.identity_id.isin(ids))
    sources: dict[str, list[tuple[str, int]]] = {}
    for r in (
        rec.group_by(["identity_id", "source"])
        .aggregate(n=ibis._.count())
        .order_by([ibis.desc("n"), "source"])
        .to_pyarrow()
        .to_pylist()
    ):
        sources.setdefault(r["identity_id"], []).append((source_name(r["source"]), r["n"]))
    uprns = sorted({str(i["uprn"]) for i in idents.values() if i.get("uprn")})
    addresses: dict[str, str] = {}
    if uprns and W.has_table(con, "src_gazetteer"):
        g = con.table("src_gazetteer").filter(ibis._.uprn.isin(uprns))
        for r in (
            g.group_by("uprn")
            .aggregate(line=g.address_line1.min(), town=g.town.min())
            .to_pyarrow()
            .to_pylist()
        ):
            addresses[r["uprn"]] = ", ".join(x for x in (r["line"], r["town"]) if x)
    pairs_t = con.table("link_pairs")
    wanted = ibis.memtable(
        {
            "identity_id_l": [p["identity_id_l"] for p in page],
            "identity_id_r": [p["identity_id_r"] for p in page],
        }
    )
    scored = {
        (r["identity_id_l"], r["identity_id_r"]): r
        for r in pairs_t.semi_join(wanted, ["identity_id_l", "identity_id_r"])
        .to_pyarrow()
        .to_pylist()
    }
    prior, by_level = levels(model) if model else (0.0, {})
    out = []
    for p in page:
        pair = dict(p)
        for s in "lr":
            ident = idents.get(p[f"identity_id_{s}"], {})
            for col in SHOWN:
                pair[f"{col}_{s}"] = ident.get(col)
            pair[f"address_{s}"] = addresses.get(str(ident.get("uprn")), "")
            pair[f"sources_{s}"] = sources.get(p[f"identity_id_{s}"], [])
            pair[f"words_{s}"] = identity_words(p[f"identity_id_{s}"])
        row = scored.get((p["identity_id_l"], p["identity_id_r"]))
        pair["weights"] = waterfall(row, prior, by_level) if row and model else []
        out.append(pair)
    return out


def queue(con: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The first pairs waiting for a decision, side by side (as `queue_page` orders them)."""
    return queue_page(con, limit=limit).pairs


def recent_decisions(con: Any, limit: int = 10, who: str | None = None) -> list[dict[str, Any]]:
    """The latest decisions in force (each pair once), newest first, with both names."""
    if not W.has_table(con, "review_decisions") or not W.has_table(con, "link_identities"):
        return []
    d = current_decisions(con)
    d = d.filter(d.identity_id_l < d.identity_id_r)
    if who is not None:
        d = d.filter(d.decided_by == who)
    order = [ibis.desc(d.seq)] if "seq" in d.columns else [ibis.desc(d.decided_at)]
    d = d.order_by(order).limit(limit)
    names = con.table("link_identities").select("identity_id", "forename", "surname")
    rows = d.to_pyarrow().to_pylist()
    found = {
        r["identity_id"]: r
        for r in names.filter(
            names.identity_id.isin([r[f"identity_id_{s}"] for r in rows for s in "lr"])
        )
        .to_pyarrow()
        .to_pylist()
    }
    for r in rows:
        for s in "lr":
            n = found.get(r[f"identity_id_{s}"], {})
            r[f"name_{s}"] = " ".join(x for x in (n.get("forename"), n.get("surname")) if x)
            r[f"words_{s}"] = identity_words(r[f"identity_id_{s}"])
    return list(rows)


@dataclass
class Explanation:
    person: dict[str, Any]
    records: list[dict[str, Any]]
    pairs: list[dict[str, Any]] = field(default_factory=list)


def level_weights(model: dict[str, Any]) -> tuple[float, dict[str, dict[int, float]]]:
    """The prior and, per comparison, each level's weight (log2 m/u) by its gamma value."""
    lam = float(model.get("probability_two_random_records_match", 1e-5))
    prior = math.log2(lam / (1 - lam))
    out: dict[str, dict[int, float]] = {}
    for comp in model.get("comparisons", []):
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        weights: dict[int, float] = {-1: 0.0}
        for i, lv in enumerate(levels):
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if m and u:
                weights[len(levels) - 1 - i] = math.log2(m / u)
        out[comp["output_column_name"]] = weights
    return prior, out


def explain(con: Any, person_id: str, model: dict[str, Any] | None = None) -> Explanation:
    _need(con, "link_people")
    people = con.table("link_people")
    found = people.filter(people.person_id == person_id).to_pyarrow().to_pylist()
    if not found:
        raise ReviewError(f"no person {person_id!r} in the last linkage run")
    keys = con.table("mpi_keys").filter(ibis._.person_id == person_id)
    rec = con.table("link_records")
    mine = rec.semi_join(keys, rec.identity_id == keys.key)
    records = (
        mine.select(
            "source", "row", "identity_id", "forename", "surname", "dob", "sex", "postcode", "uprn"
        )
        .order_by(["identity_id", "source", "row"])
        .to_pyarrow()
        .to_pylist()
    )
    idents = {r["identity_id"] for r in records}
    pairs_t = con.table("link_pairs")
    pairs = (
        pairs_t.filter(
            pairs_t.identity_id_l.isin(list(idents)) | pairs_t.identity_id_r.isin(list(idents))
        )
        .to_pyarrow()
        .to_pylist()
    )
    prior, by_level = levels(model) if model else (0.0, {})
    out = []
    for p in pairs:
        steps = [(name, w) for name, _, w in waterfall(p, prior, by_level)]
        out.append(
            {
                "identity_id_l": p["identity_id_l"],
                "identity_id_r": p["identity_id_r"],
                "match_probability": p["match_probability"],
                "match_weight": p["match_weight"],
                "within": p["identity_id_l"] in idents and p["identity_id_r"] in idents,
                "weights": steps,
            }
        )
    out.sort(key=lambda p: (not p["within"], -p["match_weight"]))
    return Explanation(found[0], records, out)
