"""The probabilistic step: a Splink model over identities.

Comparisons (each with a null level first):

- forename: exact (term-frequency adjusted), same name once nicknames are
  folded (Bill/William), Jaro-Winkler >= 0.92, >= 0.80, else;
- surname: a school's parent contact with another surname (its own level: a
  parent's surname at school often differs from their other records); exact
  (tf-adjusted), Jaro-Winkler >= 0.92, a shared part of a hyphenated or double
  surname, else;
- dob: a school contact (a parent, no dob) against a date of birth too
  recent for a parent; exact, day and month swapped, two of the three parts
  equal, within 5 years, else;
- address: the identities share a UPRN (any they were seen at), else the same
  postcode, else the same postcode sector, else different (one comparison, so
  a UPRN and its postcode are not counted as two pieces of evidence);
- sex: exact, else;
- household: relatives (one surname, one address, and dates of birth more than
  5 years apart and not a single slip, or two forenames that are not one name and
  dates of birth that are not one date nor a slip apart) are two people, else
  nothing.

Trained without labels: u by random sampling, m by expectation maximisation
over blocking rules that leave out each other's columns, and a pass of its own
for the school's contacts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Each rule keeps its blocks small and growing no faster than the county: every rule
# holds a key whose values grow with the people (a postcode, an address, a date of
# birth, a month of birth within a whole name), so candidate pairs grow about
# linearly (a name alone, or a date of birth alone, is shared by more people the
# larger the county: the pairs of such a block grow with the square). A postcode
# district is no such key in the synthetic county (it has 20 at any size), so a rule
# on a name and a district alone grew with the square there and is gone (the UPRN
# rule finds its pairs). Together they propose at least 99.8% of the true pairs
# (`wholefamily evaluate linkage`; pairs per rule and their growth from 200,000 to
# 1,000,000 people: `benchmarks/link_blocking.py`, docs/benchmarks.md).
DISTRICT = "split_part({s}.postcode, ' ', 1)"
_D = f"{DISTRICT.format(s='l')} = {DISTRICT.format(s='r')}"
_INITIALS = (
    "substr(l.surname, 1, 1) = substr(r.surname, 1, 1) AND "
    "substr(l.forename, 1, 1) = substr(r.forename, 1, 1)"
)
_ONE_NO_DOB = "(l.dob IS NULL OR r.dob IS NULL)"  # a school's contact has none
_PLAIN = tuple(
    {"blocking_rule": rule}
    for rule in (
        "l.dob = r.dob AND l.surname = r.surname",
        "l.dob = r.dob AND l.forename_canon = r.forename_canon",
        f"l.dob = r.dob AND {_INITIALS} AND {_D}",
        "l.dob = r.dob AND l.postcode = r.postcode",
        "l.surname = r.surname AND l.forename_canon = r.forename_canon AND "
        "year(l.dob) = year(r.dob) AND month(l.dob) = month(r.dob)",
        "l.postcode = r.postcode AND l.forename_canon = r.forename_canon",
        f"l.postcode = r.postcode AND l.surname = r.surname AND {_ONE_NO_DOB}",
    )
)
BLOCKING_RULES: tuple[dict[str, Any], ...] = (
    *_PLAIN,
    # An address either was seen at (a school's contact: also its pupils' addresses).
    {
        "blocking_rule": "l.block_uprns = r.block_uprns AND "
        "substr(l.forename, 1, 1) = substr(r.forename, 1, 1)",
        "arrays_to_explode": ["block_uprns"],
    },
)


def blocking_sql(rule: dict[str, Any]) -> str:
    """A blocking rule as one SQL condition on a pair `l`, `r` (an exploded array
    column: the two lists share a value)."""
    sql = str(rule["blocking_rule"])
    for col in rule.get("arrays_to_explode", []):
        sql = sql.replace(f"l.{col} = r.{col}", f"len(list_intersect(l.{col}, r.{col})) > 0")
    return sql


# Each comparison is estimated by at least one pass whose block does not use it.
# A pass's block can grow with the square of the county (namesakes: a whole name
# alone), so each pass is trained on at most `EM_MAX_PAIRS` of its pairs, sampled by
# Splink on a hash of each side's records (a sample of the block, matches and
# non-matches alike): training then costs about the same at any size.
EM_MAX_PAIRS = 1_000_000
EM_RULES = (
    "l.dob = r.dob AND l.postcode = r.postcode",
    "l.dob = r.dob AND substr(l.forename, 1, 1) = substr(r.forename, 1, 1)",
    "l.forename_canon = r.forename_canon AND l.surname = r.surname",
)


# A pass over a school's parent contacts, who have no date of birth, so no pass above
# holds them (pairs with a dob missing on one side, one forename, one postcode): it
# estimates how often a contact's surname differs from their other records. It blocks
# on the dob, not on `born_by`, which the contact's surname level uses (a comparison
# using a blocked column is not estimated). Its estimates of the shared levels (exact
# surname, sex) are one of three and each level takes their median, so those stay
# between the other passes' estimates.
CONTACT_EM_RULE = (
    "(l.dob IS NULL OR r.dob IS NULL) AND l.forename = r.forename AND l.postcode = r.postcode"
)
# The share of a parent contact's true pairs whose surnames differ (the school holds
# the child's surname, a former name): fixed at what EM found on the contacts' pass at
# 20,000 and 200,000 people (0.29), since at 1,000,000 the same pass drove it to zero
# (a block of that size is mostly other people, and EM fits them instead), which put
# those pairs below the review band.
CONTACT_SURNAME_M = 0.29


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(col: str) -> dict[str, Any]:
    return _level(f'"{col}_l" IS NULL OR "{col}_r" IS NULL', "null", is_null_level=True)


JW = "jaro_winkler_similarity"
# Two of day, month and year equal: a single slip in a date of birth.
TWO_PARTS = (
    "(year(dob_l) = year(dob_r))::INT + (month(dob_l) = month(dob_r))::INT "
    "+ (day(dob_l) = day(dob_r))::INT = 2"
)
# A parent recorded by a school's contacts (no date of birth; `born_by` set).
PARENT_CONTACT = "(born_by_l IS NOT NULL OR born_by_r IS NOT NULL)"
# Identifier kinds that name one person each: two identities with the same kind are
# two different identifiers (identities sharing one are one identity).
IDENTIFIER_KINDS = ("upn", "nino", "nhs", "police", "socialcare")
# The review band's ideas (issue 19), each measured on its own in docs/benchmarks.md
# ("Review queue"): those switched on here are the ones that helped.
#  contact: a parent contact's other surname is its own level, estimated apart;
#  household: relatives of one surname at one address (see `_household`);
#  household_names: ... also two forenames that are not one name, dates of birth or not;
#  identifier: two identifiers of one kind (two NHS numbers) count against a match;
#  tf: term-frequency adjustments on the exact date of birth and the same postcode.
FEATURES: frozenset[str] = frozenset({"contact", "household", "household_names"})


def _kind(side: str) -> str:
    return f"split_part(identity_id_{side}, ':', 1)"


def _contact_surname() -> list[dict[str, Any]]:
    """A surname level for a school's parent contacts: their surname at school often
    differs from their other records (the child's surname, a former name), so a
    different surname is weaker evidence against them than against anyone else. First
    in its comparison, so the other levels keep their numbers (a data set without
    contacts, FEBRL, leaves it out); estimated by the contacts' pass of training (no
    other pass holds a contact: they have no dob)."""
    if "contact" not in FEATURES:
        return []
    return [
        _level(
            f"{PARENT_CONTACT} AND surname_l <> surname_r AND "
            f"{JW}(surname_l, surname_r) < 0.92 AND NOT "
            "list_has_any(string_split(surname_l, ' '), string_split(surname_r, ' '))",
            "different, a parent recorded by a school",
            m_probability=CONTACT_SURNAME_M,
            fix_m_probability=True,
        )
    ]


RELATIVES = "relatives: one surname, one address, years apart or two forenames"


def _household() -> list[dict[str, Any]]:
    """Two records of one surname at one address with dates of birth more than 5 years
    apart (and not a single slip) are relatives, a parent and child or two siblings,
    whatever their forenames. The other comparisons take surname and address as
    independent (and a rare surname as strong evidence), but in one household they are
    not. As with the other fixed levels, m is "as good as never": such a pair is taken
    as two people, not sent for review. Its own comparison: a level using the surname
    or the address inside another comparison would stop EM estimating that one."""
    if "household" not in FEATURES:
        return []
    relatives = (
        f"abs(datediff('day', dob_l, dob_r)) > 5 * 365 AND NOT ({TWO_PARTS}) "
        "AND surname_l = surname_r AND len(list_intersect(uprns_l, uprns_r)) >= 1"
    )
    # Two forenames that are not one name (nor a nickname, nor a slip) in one surname
    # at one address: two members of a household (a mother recorded by a school, with no
    # date of birth, and her sister), unless their dates of birth agree or differ by a
    # slip (one person known by two names, or twins: left to the other comparisons).
    two_names = (
        "forename_l <> forename_r AND forename_canon_l <> forename_canon_r AND "
        f"{JW}(forename_l, forename_r) < 0.80 AND surname_l = surname_r AND "
        "len(list_intersect(uprns_l, uprns_r)) >= 1 AND "
        f"(dob_l IS NULL OR dob_r IS NULL OR NOT (dob_l = dob_r OR {TWO_PARTS}))"
    )
    if "household_names" in FEATURES:
        relatives = f"({relatives}) OR ({two_names})"
    return [
        {
            "output_column_name": "household",
            "comparison_levels": [
                _level(
                    relatives,
                    RELATIVES,
                    m_probability=1e-9,
                    fix_m_probability=True,
                ),
                _level("ELSE", "no such tie", m_probability=1.0, fix_m_probability=True),
            ],
        }
    ]


def _identifier() -> list[dict[str, Any]]:
    """Two identities each with an identifier of one kind: two different people unless
    one was mistyped or issued twice (fixed at 1 in 100)."""
    if "identifier" not in FEATURES:
        return []
    kinds = ", ".join(repr(k) for k in IDENTIFIER_KINDS)
    return [
        {
            "output_column_name": "identifier",
            "comparison_levels": [
                _level(
                    f"{_kind('l')} = {_kind('r')} AND {_kind('l')} IN ({kinds})",
                    "two identifiers of one kind",
                    m_probability=0.01,
                    fix_m_probability=True,
                ),
                _level("ELSE", "no such tie"),
            ],
        }
    ]


def comparisons() -> list[dict[str, Any]]:
    jw = JW
    tf_dob = {"tf_adjustment_column": "dob"} if "tf" in FEATURES else {}
    tf_pc = {"tf_adjustment_column": "postcode"} if "tf" in FEATURES else {}
    return [
        {
            "output_column_name": "forename",
            "comparison_levels": [
                _null("forename"),
                _level("forename_l = forename_r", "exact", tf_adjustment_column="forename"),
                _level("forename_canon_l = forename_canon_r", "same name (nickname)"),
                _level(f"{jw}(forename_l, forename_r) >= 0.92", "Jaro-Winkler >= 0.92"),
                _level(f"{jw}(forename_l, forename_r) >= 0.80", "Jaro-Winkler >= 0.80"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "surname",
            "comparison_levels": [
                *_contact_surname(),
                _null("surname"),
                _level("surname_l = surname_r", "exact", tf_adjustment_column="surname"),
                _level(f"{jw}(surname_l, surname_r) >= 0.92", "Jaro-Winkler >= 0.92"),
                _level(
                    "list_has_any(string_split(surname_l, ' '), string_split(surname_r, ' '))",
                    "a shared part",
                ),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "dob",
            "comparison_levels": [
                # A parent recorded by a school (no dob) cannot be a young child.
                _level(
                    "(born_by_l IS NOT NULL AND dob_r > born_by_l) OR "
                    "(born_by_r IS NOT NULL AND dob_l > born_by_r)",
                    "a parent against a child's date of birth",
                    m_probability=1e-7,
                    fix_m_probability=True,
                ),
                _null("dob"),
                _level("dob_l = dob_r", "exact", **tf_dob),
                _level(
                    "year(dob_l) = year(dob_r) AND month(dob_l) = day(dob_r) "
                    "AND day(dob_l) = month(dob_r)",
                    "day and month swapped",
                ),
                _level(TWO_PARTS, "one part different"),
                _level("abs(datediff('day', dob_l, dob_r)) <= 5 * 365", "within 5 years"),
                # EM would learn this from same-name relatives at one address, so
                # it is fixed: a dob mistyped by more than 5 years is rare.
                _level(
                    "ELSE", "more than 5 years apart", m_probability=0.002, fix_m_probability=True
                ),
            ],
        },
        {
            # One comparison for the address, so a shared UPRN and its postcode are
            # not counted twice (they are the same evidence).
            "output_column_name": "address",
            "comparison_levels": [
                _level(
                    "(uprns_l IS NULL OR len(uprns_l) = 0 OR uprns_r IS NULL OR len(uprns_r) = 0)"
                    " AND (postcode_l IS NULL OR postcode_r IS NULL)",
                    "null",
                    is_null_level=True,
                ),
                _level("len(list_intersect(uprns_l, uprns_r)) >= 1", "an address in common"),
                _level("postcode_l = postcode_r", "same postcode", **tf_pc),
                _level(
                    "split_part(postcode_l, ' ', 1) = split_part(postcode_r, ' ', 1) AND "
                    "substr(split_part(postcode_l, ' ', 2), 1, 1) = "
                    "substr(split_part(postcode_r, ' ', 2), 1, 1)",
                    "same sector",
                ),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "sex",
            "comparison_levels": [
                _level(
                    "sex_l IS NULL OR sex_r IS NULL OR sex_l = 'U' OR sex_r = 'U'",
                    "null",
                    is_null_level=True,
                ),
                _level("sex_l = sex_r", "exact"),
                _level("ELSE", "different"),
            ],
        },
        *_household(),
        *_identifier(),
    ]


def settings() -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "identity_id",
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": list(BLOCKING_RULES),
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": True,
        "probability_two_random_records_match": 1e-5,
    }


SPLINK_MEMORY = "3GB"  # Splink's own DuckDB; it spills to disk beyond this


def splink_db(spill: Path) -> Any:
    """A DuckDB for Splink, capped in memory, spilling to `spill`."""
    import shutil

    import duckdb
    from splink import DuckDBAPI

    spill.mkdir(parents=True, exist_ok=True)
    # Spill to disk rather than fail, but never fill the disk: half its free space.
    free_gb = max(1, shutil.disk_usage(spill).free // 2**30 // 2)
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": SPLINK_MEMORY,
        "temp_directory": str(spill),
        "max_temp_directory_size": f"{free_gb}GB",
    }
    connection = duckdb.connect(config=config)
    connection.execute("SET enable_progress_bar = false")
    return DuckDBAPI(connection=connection)


def _blockable(identities: Any) -> Any:
    """The identities with `block_uprns` (their own `uprns` when not given: records
    linked one by one have no pupils to borrow addresses from)."""
    if "block_uprns" in identities.column_names:
        return identities
    return identities.append_column("block_uprns", identities.column("uprns"))


def train(identities: Any, model_path: Path, seed: int = 1, spill: Path | None = None) -> Any:
    """Train a model on `identities` (an Arrow table), save it, return the linker.
    Splink's DuckDB spills to `spill` (by default `spill/` beside the model)."""
    from splink import Linker

    db = splink_db(spill or model_path.parent / "spill")
    df = db.register(_blockable(identities), table_name="identities")
    linker = Linker(df, settings(), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        ["l.forename = r.forename AND l.surname = r.surname AND l.dob = r.dob"], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    # EM passes whose blocks hold the same person, not the same household (a date
    # of birth or a whole name in every block); each estimates the others' columns.
    for rule in EM_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=EM_MAX_PAIRS
        )
    if "contact" in FEATURES and _has_pairs(identities, CONTACT_EM_RULE):
        linker.training.estimate_parameters_using_expectation_maximisation(
            CONTACT_EM_RULE, max_pairs=EM_MAX_PAIRS
        )
    model_path.parent.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(model_path), overwrite=True)
    return linker


def _has_pairs(identities: Any, rule: str) -> bool:
    """Whether `rule` puts any two of `identities` (an Arrow table) side by side (Splink
    stops with an error on a training pass that has none: a drop whose contacts have no
    postcode)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("identities", identities)
        found = con.execute(
            "SELECT 1 FROM identities l JOIN identities r "
            f"ON l.identity_id < r.identity_id AND {rule} LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return found is not None


def load(identities: Any, model_path: Path, spill: Path | None = None) -> Any:
    from splink import Linker

    db = splink_db(spill or model_path.parent / "spill")
    df = db.register(_blockable(identities), table_name="identities")
    return Linker(df, str(model_path), log_level=None)


# DuckDB's functions in the model's SQL and what Spark calls them (the similarity
# function is Splink's jar's; `len` is only ever of a list here).
_SPARK_NAMES = (
    (r"\bjaro_winkler_similarity\(", "jaro_winkler("),
    (r"\blen\(", "size("),
    (r"\blist_intersect\(", "array_intersect("),
    (r"\blist_has_any\(", "arrays_overlap("),
    (r"\bstring_split\(", "split("),
)


def spark_sql(sql: str) -> str:
    """A condition of the model (written for DuckDB) in Spark's SQL."""
    import re

    import sqlglot

    if sql == "ELSE":
        return sql
    for pattern, name in _SPARK_NAMES:
        sql = re.sub(pattern, name, sql)
    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


def for_spark(model: dict[str, Any]) -> dict[str, Any]:
    """A settings dict or saved model (DuckDB's SQL) with every condition in Spark's:
    the model trained (and saved) once is the one both engines score with."""
    import copy

    out = copy.deepcopy(model)
    out.pop("sql_dialect", None)
    for comp in out.get("comparisons", []):
        for lv in comp.get("comparison_levels", []):
            lv["sql_condition"] = spark_sql(str(lv["sql_condition"]))
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict):
            rule.pop("sql_dialect", None)
            rule["blocking_rule"] = spark_sql(str(rule["blocking_rule"]))
    return out
