"""The linkage review queue in the web app, on a linked drop: decided pairs leave the
queue, undo brings them back, counts, paging and filters, words not codes, the model's
weights as explain-person gives them, and decisions shared with the command line."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from ingestkit import query
from reviewkit import AS_OF, copy_workspace, linked_drop
from test_cli import run
from webkit import client_for, user
from wholefamily import warehouse as W
from wholefamily.linkage import link
from wholefamily.linkage import review as R
from wholefamily.sources.schema import SOURCES
from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
__all__ = ["linked_drop"]  # the session's linked workspace, a fixture

URL = "/review-queue"
KEY = re.compile(r"\b(upn|nino|nhs|police|socialcare|contact|exact|record):\S")


@pytest.fixture
def ws(linked_drop: Path, tmp_path: Path, settings: Any) -> Path:
    settings.WORKSPACE = copy_workspace(linked_drop, tmp_path / "ws")
    return Path(settings.WORKSPACE)


@pytest.fixture
def analyst() -> Any:
    return client_for(user("alex", Role.ANALYST))


def visible(page: bytes) -> str:
    """The page's text as a reader gets it: no tags, attributes or scripts."""
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page.decode())
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", text))


def waiting(page: bytes) -> int:
    found = re.search(r"([\d,]+) pairs? waiting for a decision", visible(page))
    assert found, "no count of the pairs waiting"
    return int(found.group(1).replace(",", ""))


def pairs_on(page: bytes) -> list[tuple[str, str]]:
    """The (left, right) identities of the pairs offered for a decision, in order."""
    body = page.decode()
    found = re.findall(
        r'name="action" value="decide"><input type="hidden" name="left" value="([^"]+)">'
        r'<input type="hidden" name="right" value="([^"]+)">',
        body,
    )
    return [(html.unescape(a), html.unescape(b)) for a, b in found]


def pending(ws: Path) -> int:
    """Pairs of the review band with no decision now, read from the warehouse in SQL."""
    return int(
        query(
            ws,
            "WITH d AS (SELECT *, row_number() OVER (PARTITION BY identity_id_l, identity_id_r "
            "ORDER BY seq DESC) AS k FROM review_decisions) "
            "SELECT count(*) FROM review_queue q WHERE NOT EXISTS (SELECT 1 FROM d "
            "WHERE d.k = 1 AND d.decision <> 'undone' AND d.identity_id_l = q.identity_id_l "
            "AND d.identity_id_r = q.identity_id_r)",
        )[0][0]
    )


def test_a_decided_pair_leaves_the_queue_and_undo_brings_it_back(ws: Path, analyst: Any) -> None:
    first = analyst.get(URL)
    total = waiting(first.content)
    assert total == pending(ws) and total > 25
    left, right = pairs_on(first.content)[0]
    r = analyst.post(URL, {"action": "decide", "left": left, "right": right, "decision": "match"})
    assert r.status_code == 302
    after = analyst.get(URL)
    assert waiting(after.content) == total - 1 == pending(ws)
    assert (left, right) not in pairs_on(after.content)
    assert b"Undo this decision" in after.content and b"Your recent decisions" in after.content
    r = analyst.post(URL, {"action": "undo", "left": left, "right": right})
    assert r.status_code == 302
    back = analyst.get(URL)
    assert waiting(back.content) == total and pairs_on(back.content)[0] == (left, right)
    # The history keeps both: the decision and its undoing, each stored both ways round.
    rows = query(
        ws,
        "SELECT decision, decided_by FROM review_decisions WHERE identity_id_l = ? "
        "AND identity_id_r = ? ORDER BY seq",
        [left, right],
    )
    assert rows == [("match", "alex"), ("undone", "alex")]
    audit = AuditEntry.objects.filter(object_type="link pair").order_by("id")
    assert [a.detail.split(":")[0] for a in audit] == ["match", "undo match"]
    assert all(a.username == "alex" and a.action == "change" for a in audit)


def test_a_pair_decided_elsewhere_is_not_decided_twice(ws: Path, analyst: Any) -> None:
    left, right = pairs_on(analyst.get(URL).content)[0]
    con = W.connect(ws)
    R.decide(con, left, right, "no_match", "", "someone")
    con.disconnect()
    r = analyst.post(
        URL, {"action": "decide", "left": left, "right": right, "decision": "match"}, follow=True
    )
    assert b"already decided by someone" in r.content
    assert query(ws, "SELECT count(*) FROM review_decisions WHERE identity_id_l = ?", [left]) == [
        (1,)
    ]


def test_pairs_that_change_a_family_come_first(ws: Path) -> None:
    con = W.connect(ws, read_only=True)
    page = R.queue_page(con, limit=1000)
    con.disconnect()
    # Whether a decision changes a family, read independently: the identities are
    # different people now and at least one of them is in a family.
    changes = {
        (a, b): bool(c)
        for a, b, c in query(
            ws,
            "SELECT q.identity_id_l, q.identity_id_r, ka.person_id <> kb.person_id AND "
            "(pa.family_id IS NOT NULL OR pb.family_id IS NOT NULL) FROM review_queue q "
            "JOIN mpi_keys ka ON ka.key = q.identity_id_l JOIN mpi_keys kb "
            "ON kb.key = q.identity_id_r LEFT JOIN link_people pa ON pa.person_id = ka.person_id "
            "LEFT JOIN link_people pb ON pb.person_id = kb.person_id",
        )
    }
    flags = [changes[(p["identity_id_l"], p["identity_id_r"])] for p in page.pairs]
    assert len(flags) == page.total == page.waiting
    assert True in flags and False in flags, "the county gives both kinds"
    assert flags == sorted(flags, reverse=True), "a pair that changes no family came first"
    # Within each kind, the likelier match first.
    for kind in (True, False):
        probs = [
            p["match_probability"] for p, f in zip(page.pairs, flags, strict=True) if f is kind
        ]
        assert probs == sorted(probs, reverse=True)


def test_n_of_m_paging_and_filters(ws: Path, analyst: Any) -> None:
    first = analyst.get(URL)
    total = waiting(first.content)
    text = visible(first.content)
    assert f"Pair 1 of {total}" in text and f"Pair 10 of {total}" in text
    assert f"Page 1 of {math.ceil(total / 10)}" in text
    second = analyst.get(URL, {"page": "2"})
    assert f"Pair 11 of {total}" in visible(second.content)
    assert not set(pairs_on(first.content)) & set(pairs_on(second.content))
    # A page past the end shows the last page.
    beyond = analyst.get(URL, {"page": "999"})
    assert f"Pair {total} of {total}" in visible(beyond.content)
    # By source pair: the pairs of those two sources, counted in SQL.
    main = dict(
        query(
            ws,
            "SELECT identity_id, arg_max(source, n) FROM (SELECT identity_id, source, count(*) "
            "AS n FROM link_records GROUP BY 1, 2) GROUP BY 1",
        )
    )
    combos: dict[str, int] = {}
    for a, b in query(ws, "SELECT identity_id_l, identity_id_r FROM review_queue"):
        key = "+".join(sorted((main[a], main[b])))
        combos[key] = combos.get(key, 0) + 1
    chosen = "health+school_contacts"
    assert combos[chosen] >= 2
    page = analyst.get(URL, {"source": chosen})
    text = visible(page.content)
    assert f"{combos[chosen]} of them match these filters" in text
    assert "Health with School contacts" in text
    assert len(pairs_on(page.content)) == min(10, combos[chosen])
    assert f"Pair 1 of {combos[chosen]}" in text
    # By score band: the pairs from 70% to 80%.
    band = query(
        ws,
        "SELECT count(*) FROM review_queue WHERE match_probability >= 0.7 AND "
        "match_probability < 0.8",
    )[0][0]
    page = analyst.get(URL, {"band": "70"})
    assert f"{band} of them match these filters" in visible(page.content)
    percents = re.findall(r"The model gives ([\d.]+)%", visible(page.content))
    assert percents and all(70 <= float(p) < 80 for p in percents)
    # Deciding from a filtered page returns to it.
    left, right = pairs_on(page.content)[0]
    r = analyst.post(
        URL,
        {"action": "decide", "left": left, "right": right, "decision": "no_match", "band": "70"},
    )
    assert r["Location"] == "/review-queue?band=70"


def test_words_not_codes(ws: Path, analyst: Any) -> None:
    tables = set(SOURCES)
    for params in ({}, {"page": "2"}, {"page": "3"}, {"source": "health+school_contacts"}):
        text = visible(analyst.get(URL, params).content)
        assert not [t for t in tables if t in text], f"a source table name on {params}"
        assert not KEY.search(text), f"a raw identity key on {params}: {KEY.search(text)}"
        assert "Held by" in text and "records)" in text
    text = visible(analyst.get(URL, {"source": "health+school_contacts"}).content)
    assert "School contacts (" in text and "School contact, phone" in text
    assert "Health (" in text and "NHS number" in text


def test_the_weights_shown_are_explain_persons(ws: Path, analyst: Any) -> None:
    """Each comparison's weight on the page is the one `explain-person` gives for the same
    pair, and they add up to the pair's match weight and its probability."""
    model = json.loads((ws / "models" / "linkage.json").read_text())
    con = W.connect(ws, read_only=True)
    try:
        first = R.queue_page(con, model, limit=3).pairs
        left = first[0]["identity_id_l"]
        person = query(ws, "SELECT person_id FROM mpi_keys WHERE key = ?", [left])
        explained = R.explain(con, person[0][0], model)
    finally:
        con.disconnect()
    mine = [
        p
        for p in explained.pairs
        if {p["identity_id_l"], p["identity_id_r"]}
        == {first[0]["identity_id_l"], first[0]["identity_id_r"]}
    ]
    assert mine, "explain-person lists the pair"
    assert [(n, w) for n, _, w in first[0]["weights"]] == mine[0]["weights"]
    page = visible(analyst.get(URL).content)
    for p in first:
        total = sum(w for _, _, w in p["weights"])
        assert abs(total - p["match_weight"]) < 0.02
        assert abs(2**total / (1 + 2**total) - p["match_probability"]) < 0.01
        assert f"The model gives {math.floor(p['match_probability'] * 1000) / 10:.1f}%" in page
        for name, label, w in p["weights"]:
            if name in R.COMPARISON_NAMES:
                shown = f"{R.LEVEL_WORDS[label]}, {w:+.1f}".replace("-", "\u2212")
                assert shown in page, shown


def test_the_probability_stored_is_the_models(ws: Path) -> None:
    """Why the queue showed 0.50: not a wrong probability. Every pair's stored probability
    is the logistic of its stored weight, which is the sum of the saved model's level
    weights (and the name-frequency adjustment). The old order, closest to 0.5 first, put
    the band's floor (0.50 to two places) at the top of every page."""
    model = json.loads((ws / "models" / "linkage.json").read_text())
    prior, levels = R.levels(model)
    rows = query(
        ws,
        "SELECT p.match_probability, p.match_weight, gamma_forename, gamma_surname, gamma_dob, "
        "gamma_address, gamma_sex FROM link_pairs p JOIN review_queue q "
        "USING (identity_id_l, identity_id_r)",
    )
    assert len({round(r[0], 2) for r in rows}) > 10, "the band holds many probabilities"
    for prob, weight, *gammas in rows:
        assert abs(2**weight / (1 + 2**weight) - prob) < 1e-9
        fixed = prior + sum(levels[c][g][1] for c, g in zip(R.COMPARED, gammas, strict=True))
        # Only exact names are adjusted for frequency, by a bounded amount.
        assert abs(weight - fixed) < 6, (weight, fixed)
    con = W.connect(ws, read_only=True)
    first = R.queue_page(con, limit=10).pairs
    con.disconnect()
    assert len({f"{p['match_probability']:.2f}" for p in first}) > 1


def test_decisions_are_the_command_lines(ws: Path, analyst: Any) -> None:
    """A web decision is the CLI's: `review` no longer lists it, `review undo` takes it
    back, `link` applies it, and a pair undone after a run comes back to the queue."""
    left, right = pairs_on(analyst.get(URL).content)[0]
    analyst.post(URL, {"action": "decide", "left": left, "right": right, "decision": "match"})
    listed = run("review", "--workspace", str(ws), "--limit", "500")
    assert listed.returncode == 0, listed.stderr
    assert left not in listed.stdout or right not in listed.stdout
    link(ws, "d1", AS_OF)
    people = query(ws, "SELECT person_id FROM mpi_keys WHERE key IN (?, ?)", [left, right])
    assert len({p[0] for p in people}) == 1, "the web's match is one person after link"
    assert (left, right) not in pairs_on(analyst.get(URL).content)
    undone = run("review", "undo", left, right, "--workspace", str(ws))
    assert undone.returncode == 0, undone.stderr
    assert "Undone: the match decision" in undone.stdout
    con = W.connect(ws, read_only=True)
    every = R.queue_page(con, limit=1000).pairs
    con.disconnect()
    assert (left, right) in {(p["identity_id_l"], p["identity_id_r"]) for p in every}
    again = run("review", "undo", left, right, "--workspace", str(ws))
    assert again.returncode == 2 and "no decision" in again.stderr
    # The CLI's decision leaves the web queue too.
    decided = run("review", "decide", left, right, "no_match", "--workspace", str(ws))
    assert decided.returncode == 0, decided.stderr
    assert (left, right) not in pairs_on(analyst.get(URL).content)


def test_a_warehouse_from_before_undo_keeps_its_decisions(ws: Path) -> None:
    """`review_decisions` made with one row per pair (a primary key) becomes a history on
    the first decision or undo, its old decisions kept."""
    band = query(ws, "SELECT identity_id_l, identity_id_r FROM review_queue ORDER BY 1, 2")
    a, b = sorted(band[0])
    c, d = sorted(next(p for p in band if not set(p) & {a, b}))
    con = W.connect(ws)
    raw = con.con
    raw.execute("DROP TABLE review_decisions")
    raw.execute(
        "CREATE TABLE review_decisions (identity_id_l VARCHAR, identity_id_r VARCHAR, "
        "decision VARCHAR, note VARCHAR, decided_by VARCHAR, decided_at TIMESTAMP, "
        "PRIMARY KEY (identity_id_l, identity_id_r))"
    )
    for x, y in ((a, b), (b, a)):
        raw.execute(
            "INSERT INTO review_decisions VALUES (?, ?, 'match', 'old', 'kim', now())", [x, y]
        )
    assert R.decision_of(con, a, b) is not None  # read before any migration
    with W.transaction(con):
        R.decide(con, c, d, "match", "", "alex")
        assert R.undo(con, a, b, "alex") == "match"
    con.disconnect()
    rows = query(
        ws,
        "SELECT identity_id_l, decision, decided_by FROM review_decisions "
        "WHERE identity_id_l IN (?, ?) ORDER BY seq",
        [a, c],
    )
    assert rows == [(a, "match", "kim"), (c, "match", "alex"), (a, "undone", "alex")]
