"""A second look at the review band: the households of the two sides.

The five comparisons cannot tell one person who moved from two people of one name
and date of birth at two addresses (namesakes: in a county of a million there are
thousands). The people they live with can. For a pair in the review band whose two
identities were seen at no address in common:

- **moved with their household**: someone else (another person of the clustering at
  the match threshold, or a pair of identities the model scored at least
  `REVIEW_LOW`) was seen at an address of each side: the household moved together,
  so the pair is one person who moved with them, and is lifted to a match;
- **housemates who did not move with them**: each side lives with other people, and
  none of those was seen at the other side's address: two households that share no
  one, so the pair is two people (namesakes), and leaves the band downwards;
- otherwise (one side lives alone: a person who moved alone, or left home) the pair
  stays in the band for a person to decide.

Set-based (a few joins over the band's addresses); a clerical decision still
overrides it. Measured in docs/benchmarks.md ("The review band at 1,000,000").
"""

from __future__ import annotations

from typing import Any

# The weight the context adds to the pair's match weight. The band spans log2(0.9/0.1)
# = 3.17 bits (from 0.5 to 0.9), so 4 bits takes any band pair out of it: up to a
# match, or down below the band.
MOVED_WEIGHT = 4.0
APART_WEIGHT = -4.0
MOVED = "moved with their household"
APART = "housemates who did not move with them"
# The context in words, for the reviewer's page and `explain-person`.
CONTEXT_WORDS = {
    MOVED: "someone they lived with was seen at both addresses: moved together",
    APART: "both live with others, and none of those was seen at the other address",
}


BAND_TABLES = (
    "link_band",
    "link_band_x",
    "link_band_y",
    "link_band_seen",
    "link_band_moved",
    "link_band_apart",
    "link_band_context",
)


def household_context(con: Any, low: float, threshold: float) -> dict[str, int]:
    """Weigh the household context of the band's pairs in `link_pairs` (scored pairs;
    `link_identities`; `link_clusters`, this run's clusters at the threshold): adds
    `context` and `context_weight` to `link_pairs` and moves the pairs it decides. Returns
    how many pairs went each way."""
    raw = con.con
    raw.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE link_band AS
        SELECT p.identity_id_l AS a, p.identity_id_r AS b,
               ca.cluster_id AS pa, cb.cluster_id AS pb,
               list_filter(l.uprns, x -> NOT list_contains(r.uprns, x)) AS xs,
               list_filter(r.uprns, x -> NOT list_contains(l.uprns, x)) AS ys
        FROM link_pairs p
        JOIN link_identities l ON l.identity_id = p.identity_id_l
        JOIN link_identities r ON r.identity_id = p.identity_id_r
        JOIN link_clusters ca ON ca.identity_id = p.identity_id_l
        JOIN link_clusters cb ON cb.identity_id = p.identity_id_r
        WHERE p.match_probability >= {low} AND p.match_probability < {threshold}
          AND len(l.uprns) > 0 AND len(r.uprns) > 0
          AND len(list_intersect(l.uprns, r.uprns)) = 0
        """
    )
    raw.execute(
        """
        CREATE OR REPLACE TEMP TABLE link_band_x AS
        SELECT a, b, pa, pb, unnest(xs) AS u FROM link_band
        """
    )
    raw.execute(
        """
        CREATE OR REPLACE TEMP TABLE link_band_y AS
        SELECT a, b, pa, pb, unnest(ys) AS u FROM link_band
        """
    )
    # Who was seen where (only at the band's addresses), with their person.
    raw.execute(
        """
        CREATE OR REPLACE TEMP TABLE link_band_seen AS
        WITH wanted AS (SELECT u FROM link_band_x UNION SELECT u FROM link_band_y),
        seen AS (SELECT identity_id, unnest(uprns) AS u FROM link_identities)
        SELECT s.identity_id, s.u, c.cluster_id AS person
        FROM seen s JOIN wanted w ON w.u = s.u
        JOIN link_clusters c ON c.identity_id = s.identity_id
        """
    )
    # Links between two identities: each scored pair both ways, and each identity with
    # itself (an identity seen at both addresses).
    raw.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE link_band_moved AS
        WITH ties AS (
            SELECT identity_id_l AS c, identity_id_r AS d FROM link_pairs
            WHERE match_probability >= {low}
            UNION ALL
            SELECT identity_id_r, identity_id_l FROM link_pairs
            WHERE match_probability >= {low}
            UNION ALL
            SELECT DISTINCT identity_id, identity_id FROM link_band_seen
        ),
        here AS (
            SELECT x.a, x.b, x.pa, x.pb, s.identity_id AS c, s.person AS pc
            FROM link_band_x x JOIN link_band_seen s ON s.u = x.u
            WHERE s.person <> x.pa AND s.person <> x.pb
        )
        SELECT DISTINCT h.a, h.b
        FROM here h JOIN ties t ON t.c = h.c
        JOIN link_band_seen s ON s.identity_id = t.d
        JOIN link_band_y y ON y.a = h.a AND y.b = h.b AND y.u = s.u
        WHERE s.person <> h.pa AND s.person <> h.pb
        """
    )
    raw.execute(
        """
        CREATE OR REPLACE TEMP TABLE link_band_apart AS
        SELECT DISTINCT x.a, x.b FROM link_band_x x
        JOIN link_band_seen s ON s.u = x.u AND s.person <> x.pa AND s.person <> x.pb
        INTERSECT
        SELECT DISTINCT y.a, y.b FROM link_band_y y
        JOIN link_band_seen s ON s.u = y.u AND s.person <> y.pa AND s.person <> y.pb
        EXCEPT
        SELECT a, b FROM link_band_moved
        """
    )
    raw.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE link_band_context AS
        SELECT a, b, '{MOVED}' AS context, {MOVED_WEIGHT}::DOUBLE AS w FROM link_band_moved
        UNION ALL
        SELECT a, b, '{APART}', {APART_WEIGHT}::DOUBLE FROM link_band_apart
        """
    )
    # In place: the few pairs it moves are updated, the rest of the table stays as it is.
    raw.execute("ALTER TABLE main.link_pairs ADD COLUMN context VARCHAR")
    raw.execute("ALTER TABLE main.link_pairs ADD COLUMN context_weight DOUBLE DEFAULT 0")
    raw.execute(
        """
        UPDATE main.link_pairs p SET context = c.context, context_weight = c.w,
            match_weight = p.match_weight + c.w,
            match_probability = 1 / (1 + pow(2, -(p.match_weight + c.w)))
        FROM link_band_context c WHERE c.a = p.identity_id_l AND c.b = p.identity_id_r
        """
    )
    moved = raw.execute("SELECT count(*) FROM link_band_moved").fetchone()
    apart = raw.execute("SELECT count(*) FROM link_band_apart").fetchone()
    for name in BAND_TABLES:
        raw.execute(f"DROP TABLE IF EXISTS {name}")
    return {"moved": int(moved[0]) if moved else 0, "apart": int(apart[0]) if apart else 0}
