"""`wholefamily synth --pair`: two synthetic counties and families who moved between them.

Layout of OUT:

    OUT/<la_a>/            county A: drop/ and truth files, as `synth` writes them
    OUT/<la_b>/            county B (another seed), its addresses moved apart from A's:
                           postcode areas WX, WY, WZ become XW, YW, ZW, and a UPRN
                           that A also uses is moved to the next free number
    OUT/truth_movers.csv   family_a,family_b,person_a,person_b,role: each moved
                           person's truth id in A and in B
    OUT/pair.json          the parameters and counts

`movers` families of B (a household with a dependent child) are given the people of
families of A with the same number of adults and children: every row of B naming
one of them takes the A person's name, date of birth and sex (a value the noise
had changed is written with a typo of the A value), and their UPNs, NINOs and NHS
numbers become the A person's wherever they appear in B. The family moved on the
move date (a year before the as-of date): A keeps only their rows dated on or
before it (a spell still open then ends on it), B only those dated after it (and
its open spells); rows with no date stay in both.
The two counties are each generated as `synth` would (the same code and seed), so
the single-county output is untouched; everything here is deterministic by seed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from wholefamily.sources.schema import SOURCES
from wholefamily.synth.generate import SynthConfig, SynthError, generate

MOVE_DAYS = 365
NAME_COLUMNS = {
    "forename": "forename",
    "surname": "surname",
    "contact_forename": "forename",
    "contact_surname": "surname",
}
ID_COLUMNS = ("upn", "nino", "nhs_number")
ID_SOURCES = {"upn": "school_census", "nino": "dwp_benefits", "nhs_number": "health"}
POSTCODE_COLUMNS = ("postcode", "contact_postcode")
POSTCODE_AREA = re.compile(r"^(\s*)([Ww])([XxYyZz])")


@dataclass
class PairSummary:
    out: str
    la_a: str
    la_b: str
    movers: int
    moved_people: int
    people_a: int
    people_b: int


def generate_pair(cfg: SynthConfig, movers: int, la_a: str, la_b: str) -> PairSummary:
    """Write the pair to `cfg.out` (see the module docstring); whole or not at all."""
    out = cfg.out
    if out.exists() and any(out.iterdir()) and not cfg.force:
        raise SynthError(f"{out} is not empty: choose another --out or pass --force")
    tmp = out.with_name(f".{out.name}.pair-tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        a_dir, b_dir = tmp / la_a, tmp / la_b
        sa = generate(replace(cfg, out=a_dir, force=True))
        sb = generate(replace(cfg, out=b_dir, force=True, seed=cfg.seed + 7919))
        pairs = _choose(a_dir, b_dir, movers, cfg.seed)
        moved = _move(a_dir, b_dir, pairs, cfg.as_of - timedelta(days=MOVE_DAYS))
        _separate_addresses(a_dir, b_dir)
        with (tmp / "truth_movers.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
            w.writerow(["family_a", "family_b", "person_a", "person_b", "role"])
            w.writerows(moved)
        summary = PairSummary(str(out), la_a, la_b, movers, len(moved), sa.people, sb.people)
        body = {"seed": cfg.seed, "people": cfg.people, "as_of": cfg.as_of.isoformat()}
        body |= {k: v for k, v in summary.__dict__.items() if k != "out"}
        (tmp / "pair.json").write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary


# ------------------------------------------------------------------ reading


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _families(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """household_id -> [(person_id, role)] for households with a child."""
    _, rows = _read(folder / "truth_households.csv")
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for hh, pid, role, _uprn in rows:
        out[hh].append((pid, role))
    return {h: m for h, m in out.items() if any(r == "CHILD" for _, r in m)}


def _people(folder: Path) -> dict[str, list[str]]:
    """person_id -> [forename, surname, dob, sex] (the truth)."""
    _, rows = _read(folder / "truth_people.csv")
    return {r[0]: r[1:5] for r in rows}


def _order(key: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def _choose(a_dir: Path, b_dir: Path, movers: int, seed: int) -> list[tuple[str, str]]:
    """`movers` (family in A, family in B) with the same adults and children, by sex."""
    fa, fb = _families(a_dir), _families(b_dir)
    pa_, pb_ = _people(a_dir), _people(b_dir)

    def shape(m: list[tuple[str, str]], people: dict[str, list[str]]) -> tuple[str, ...]:
        return tuple(sorted(f"{r}:{people[p][3]}" for p, r in m))

    by_shape: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for h in sorted(fb, key=lambda h: _order(h, seed)):
        by_shape[shape(fb[h], pb_)].append(h)
    pairs: list[tuple[str, str]] = []
    for h in sorted(fa, key=lambda h: _order(h, seed + 1)):
        free = by_shape.get(shape(fa[h], pa_))
        if free:
            pairs.append((h, free.pop()))
        if len(pairs) == movers:
            return pairs
    raise SynthError(
        f"the counties have only {len(pairs):,} families of matching make-up to move, "
        f"fewer than {movers:,}: ask for fewer movers or more people"
    )


# ------------------------------------------------------------------ moving


def _typo(value: str) -> str:
    if len(value) < 3:
        return value
    i = len(value) // 2
    return value[: i - 1] + value[i] + value[i - 1] + value[i + 1 :]


def _modal_ids(folder: Path) -> dict[str, dict[str, str]]:
    """id column -> person_id -> the person's most frequent value of it."""
    truth = _rows_by_source(folder)
    out: dict[str, dict[str, str]] = {}
    for col, source in ID_SOURCES.items():
        header, rows = _read(folder / "drop" / f"{source}.csv")
        k = header.index(col)
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        for n, row in enumerate(rows, start=1):
            pid = truth.get(source, {}).get(n)
            if pid and row[k].strip():
                seen[pid][row[k]] += 1
        out[col] = {p: c.most_common(1)[0][0] for p, c in seen.items()}
    return out


def _rows_by_source(folder: Path) -> dict[str, dict[int, str]]:
    _, rows = _read(folder / "truth_records.csv")
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for source, row, pid in rows:
        out[source][int(row)] = pid
    return out


def _move(
    a_dir: Path, b_dir: Path, pairs: list[tuple[str, str]], moved_on: date
) -> list[tuple[str, str, str, str, str]]:
    fa, fb = _families(a_dir), _families(b_dir)
    pa_, pb_ = _people(a_dir), _people(b_dir)
    moved: list[tuple[str, str, str, str, str]] = []
    b_to_a: dict[str, str] = {}
    for ha, hb in pairs:  # person to person: by sex, then date of birth
        for role in ("ADULT", "CHILD"):
            ma = sorted((p for p, r in fa[ha] if r == role), key=lambda p: (*pa_[p][3:1:-1], p))
            mb = sorted((p for p, r in fb[hb] if r == role), key=lambda p: (*pb_[p][3:1:-1], p))
            for p, q in zip(ma, mb, strict=True):
                moved.append((ha, hb, p, q, role))
                b_to_a[q] = p
    ids_a, ids_b = _modal_ids(a_dir), _modal_ids(b_dir)
    value_map = {
        col: {
            ids_b[col][q]: ids_a[col][p]
            for q, p in b_to_a.items()
            if q in ids_b[col] and p in ids_a[col]
        }
        for col in ID_COLUMNS
    }
    in_a = set(b_to_a.values())

    def close_spell(header: list[str], row: list[str], pid: str | None) -> None:
        if pid in in_a and "end_date" in header and not row[header.index("end_date")].strip():
            row[header.index("end_date")] = moved_on.isoformat()  # they left: it ended

    _rewrite(
        a_dir,
        lambda pid, when, _open: pid in in_a and when is not None and when > moved_on,
        close_spell,
    )

    def edit(header: list[str], row: list[str], pid: str | None) -> None:
        for k, col in enumerate(header):
            v = row[k]
            if col in value_map and v in value_map[col]:
                row[k] = value_map[col][v]
        if pid not in b_to_a:
            return
        old, new = pb_[pid], pa_[b_to_a[pid]]
        for k, col in enumerate(header):
            v = row[k]
            if col in NAME_COLUMNS:
                i = 0 if NAME_COLUMNS[col] == "forename" else 1
                same = v.strip().lower() == old[i].lower()
                row[k] = new[i] if same else _typo(new[i]) if v.strip() else v
            elif col == "dob" and v.strip():
                row[k] = new[2]
            elif col == "sex" and v == old[3]:
                row[k] = new[3]

    _rewrite(
        b_dir,
        lambda pid, when, open_: (
            pid in b_to_a and not open_ and when is not None and when <= moved_on
        ),
        edit,
    )
    return moved


def _latest(header: list[str], row: list[str], dates: list[int]) -> tuple[date | None, bool]:
    """A row's latest date (None: no date), and whether it is an open spell."""
    found: list[date] = []
    open_ = False
    for k in dates:
        v = row[k].strip()
        if not v:
            open_ = open_ or header[k] == "end_date"
            continue
        try:
            found.append(date.fromisoformat(v[:10]))
        except ValueError:
            continue
    return (max(found) if found else None), open_


def _rewrite(folder: Path, drop: Any, edit: Any) -> None:
    """Each source file of `folder/drop` without the rows `drop(pid, latest, open)` holds,
    and edited by `edit(header, row, pid)`; truth_records and truth_addresses
    renumbered to match."""
    truth = _rows_by_source(folder)
    renumber: dict[str, dict[int, int]] = {}
    for source, spec in SOURCES.items():
        path = folder / "drop" / f"{source}.csv"
        if not path.exists() or source == "gazetteer":
            continue
        header, rows = _read(path)
        dates = [k for k, c in enumerate(header) if c in spec.dates and c != "dob"]
        kept: list[list[str]] = []
        numbers: dict[int, int] = {}
        for n, row in enumerate(rows, start=1):
            pid = truth.get(source, {}).get(n)
            if pid is not None and drop(pid, *_latest(header, row, dates)):
                continue
            if edit is not None:
                edit(header, row, pid)
            kept.append(row)
            numbers[n] = len(kept)
        renumber[source] = numbers
        _write(path, header, kept)
    for name in ("truth_records.csv", "truth_addresses.csv"):
        header, rows = _read(folder / name)
        out = []
        for r in rows:
            m = renumber.get(r[0])
            if m is None:
                out.append(r)
            elif int(r[1]) in m:
                out.append([r[0], str(m[int(r[1])]), *r[2:]])
        _write(folder / name, header, out)


# ------------------------------------------------------------------ addresses


def _separate_addresses(a_dir: Path, b_dir: Path) -> None:
    """B's postcode areas and UPRNs made distinct from A's (see the module docstring)."""
    _, gaz_a = _read(a_dir / "drop" / "gazetteer.csv")
    taken = {r[0] for r in gaz_a}
    header, gaz_b = _read(b_dir / "drop" / "gazetteer.csv")
    own = {r[0] for r in gaz_b}
    uprn_map: dict[str, str] = {}
    for u in sorted(own & taken):
        n = int(u)
        while str(n) in taken or str(n) in own or str(n) in uprn_map.values():
            n += 1
        uprn_map[u] = str(n)

    def swap(v: str) -> str:
        return POSTCODE_AREA.sub(lambda m: m.group(1) + m.group(3) + m.group(2), v)

    for path in sorted((b_dir / "drop").glob("*.csv")):
        header, rows = _read(path)
        cols = [k for k, c in enumerate(header) if c in POSTCODE_COLUMNS or c == "uprn"]
        if not cols:
            continue
        for row in rows:
            for k in cols:
                v = row[k]
                row[k] = uprn_map.get(v, v) if header[k] == "uprn" else swap(v)
        _write(path, header, rows)
    for name, col in (("truth_households.csv", 3), ("truth_addresses.csv", 2)):
        header, rows = _read(b_dir / name)
        for r in rows:
            r[col] = uprn_map.get(r[col], r[col])
        _write(b_dir / name, header, rows)
