"""The families who moved between two councils, measured against the truth of
`wholefamily synth-pair`: does each of their people keep one person id across the
councils?

A moved person has truth ids in both counties (`truth_movers.csv`: person_a in A,
person_b in B). Their rows in A's drop are A's `truth_records.csv` rows of person_a,
their rows in B's those of person_b. The person keeps one id when the id most of
their A rows were linked to (ties: the smaller) is the id most of their B rows were
linked to. Counted over the moved people with rows in both drops (a person with no
row in one of them cannot be linked across).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass
class MoversScore:
    people: int
    """moved people with rows in both councils' drops"""
    one_id: int
    """of them, those whose A rows and B rows have the same (most frequent) person id"""
    families: int
    families_whole: int
    """moved families all of whose people (with rows in both) kept one id"""

    @property
    def share(self) -> float:
        return self.one_id / self.people if self.people else 0.0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _modal(ids: Counter[str]) -> str | None:
    if not ids:
        return None
    top = max(ids.values())
    return min(i for i, n in ids.items() if n == top)


def movers_score(pair: Path, out_a: Path, out_b: Path) -> MoversScore:
    """Score a run's `person_records.csv` of council A (`out_a`) and B (`out_b`)
    against the pair's truth in `pair` (A's and B's folders named in pair.json)."""
    import json

    meta = json.loads((pair / "pair.json").read_text(encoding="utf-8"))
    linked: dict[str, dict[str, Counter[str]]] = {}
    for la, out in ((meta["la_a"], out_a), (meta["la_b"], out_b)):
        given = {(r["source"], r["row"]): r["person_id"] for r in _rows(out / "person_records.csv")}
        per: dict[str, Counter[str]] = defaultdict(Counter)
        for r in _rows(pair / la / "truth_records.csv"):
            pid = given.get((r["source"], r["row"]))
            if pid:
                per[r["person_id"]][pid] += 1
        linked[la] = per
    people = one = 0
    fam: dict[str, list[bool]] = defaultdict(list)
    for m in _rows(pair / "truth_movers.csv"):
        a = _modal(linked[meta["la_a"]].get(m["person_a"], Counter()))
        b = _modal(linked[meta["la_b"]].get(m["person_b"], Counter()))
        if a is None or b is None:
            continue
        people += 1
        one += a == b
        fam[m["family_a"]].append(a == b)
    whole = sum(all(v) for v in fam.values())
    return MoversScore(people, one, len(fam), whole)
