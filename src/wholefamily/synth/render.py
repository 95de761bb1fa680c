"""Turn the county's events into the rows of each source, as agencies would send them.

Each builder filters its domain's events to the drop's window, orders them
(the order fixes the row references), adds the agency's view of the person
(with noise) and returns a `Table` plus the true person behind each row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from wholefamily.sources.schema import SOURCES
from wholefamily.synth import noise as N
from wholefamily.synth.events import OPEN
from wholefamily.synth.population import FORENAMES, County
from wholefamily.synth.rand import keyed_uniform, scatter

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
Obj = npt.NDArray[np.object_]
MISSING_DAY = np.int64(np.iinfo(np.int64).min)
# Not a column of the extract: the UPRN of the address a row was written from.
TRUE_UPRN = "__true_uprn"


@dataclass
class Column:
    """Typed values: 'str' (object, '' = missing), 'date' (day numbers), 'int', 'num'."""

    kind: str
    values: Any
    missing: B | None = None


@dataclass
class Table:
    source: str
    columns: dict[str, Column]
    pids: I64 | None  # the true person behind each row
    uk_dates: B = field(default_factory=lambda: np.zeros(0, dtype=bool))
    noise: dict[str, tuple[int, int]] = field(default_factory=dict)
    """kind -> (rows with that noise, rows where it could apply): measured, for the summary."""
    true_uprns: Any = None
    """The UPRN of the address each row carries (None for sources without one)."""

    @property
    def n_rows(self) -> int:
        first = next(iter(self.columns.values()))
        return len(first.values)


def s(values: Any) -> Column:
    return Column("str", np.asarray(values, dtype=object))


def d(values: I64) -> Column:
    v = np.asarray(values, dtype=np.int64)
    return Column("date", v, (v == OPEN) | (v == MISSING_DAY))


def i(values: I64, missing: B | None = None) -> Column:
    return Column("int", np.asarray(values, dtype=np.int64), missing)


def num(values: npt.NDArray[np.float64]) -> Column:
    v = np.asarray(values, dtype=np.float64)
    return Column("num", v, np.isnan(v))


def zfill(values: npt.ArrayLike, width: int) -> Obj:
    """Whole numbers as zero-padded text (numpy's own zfill fails on empty arrays)."""
    arr = np.asarray(values, dtype=np.int64)
    if arr.size == 0:
        return np.array([], dtype=object)
    return np.asarray(np.char.zfill(arr.astype(str), width).astype(object), dtype=object)


_digits_str = zfill


# ---------------------------------------------------------------------------
# Identifiers: stable per person within a source.

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_PREFIXES = tuple(
    a + b
    for a in _NINO_FIRST
    for b in _NINO_SECOND
    if a + b not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
)


class Ids:
    def __init__(self, county: County) -> None:
        self.c = county
        self.seed = county.seed

    def upn(self, pid: I64) -> Obj:
        body = 990_000_000_000 + scatter(pid, 1_000_000_000, self.seed, "upn")
        digits = _digits_str(body, 12)
        d_arr = np.stack([(body // 10**k) % 10 for k in range(11, -1, -1)], axis=1)
        check = (d_arr * np.arange(2, 14)).sum(axis=1) % 23
        letters = np.array(list(UPN_LETTERS), dtype=object)
        return np.asarray(letters[check] + digits, dtype=object)

    def nino(self, pid: I64) -> Obj:
        k = scatter(pid, len(NINO_PREFIXES) * 1_000_000, self.seed, "nino")
        pre = np.array(NINO_PREFIXES, dtype=object)[k // 1_000_000]
        suffix = np.array(list("ABCD"), dtype=object)[(k * 7 + 3) % 4]
        return np.asarray(pre + _digits_str(k % 1_000_000, 6) + suffix, dtype=object)

    def nhs(self, pid: I64) -> Obj:
        """10-digit NHS numbers with a valid modulus-11 check digit, starting with 9."""
        n = self.c.n_people
        cand = 900_000_000 + scatter(np.arange(int(n * 1.2) + 20), 100_000_000, self.seed, "nhs")
        digs = np.stack([(cand // 10**k) % 10 for k in range(8, -1, -1)], axis=1)
        check = 11 - (digs * np.arange(10, 1, -1)).sum(axis=1) % 11
        check = np.where(check == 11, 0, check)
        valid = check != 10
        numbers = (cand * 10 + check)[valid][:n]
        return _digits_str(numbers[pid], 10)

    def prefixed(self, prefix: str, values: I64, width: int, purpose: str) -> Obj:
        return np.asarray(
            prefix + _digits_str(scatter(values, 10**width, self.seed, purpose), width),
            dtype=object,
        )

    def phone(self, pid: I64) -> Obj:
        return np.asarray(
            "07" + _digits_str(scatter(pid, 10**9, self.seed, "phone"), 9), dtype=object
        )


# ---------------------------------------------------------------------------
# The agency's view of a person.

_FORENAMES = np.array(FORENAMES, dtype=object)
_NICKS = N.nicknames_for(FORENAMES)
_NICK_COUNT = np.array([len(x) for x in _NICKS], dtype=np.int64)


class Renderer:
    def __init__(self, county: County, rates: dict[str, dict[str, float]]) -> None:
        self.c = county
        self.rates = rates
        self.ids = Ids(county)
        self.surnames = np.array(county.surnames, dtype=object)

    def rate(self, source: str, kind: str) -> float:
        return self.rates.get(source, {}).get(kind, 0.0)

    def names(self, source: str, pid: I64, counts: dict[str, tuple[int, int]]) -> tuple[Obj, Obj]:
        """Forename and surname as the source holds them."""
        c, seed = self.c, self.c.seed
        uniq, inv = np.unique(pid, return_inverse=True)
        p = c.people
        fi = p.forename[uniq]
        fn = _FORENAMES[fi].copy()
        has_nick = _NICK_COUNT[fi] > 0
        nick = N.draw(seed, source, "nickname", self.rate(source, "nickname"), uniq) & has_nick
        which = N.pick(seed, source, "nickname", np.maximum(_NICK_COUNT[fi], 1), uniq)
        for j in np.flatnonzero(nick).tolist():
            fn[j] = _NICKS[fi[j]][which[j]]
        alt = p.alt_surname[uniq]
        change = N.draw(
            seed, source, "surname_change", self.rate(source, "surname_change"), uniq
        ) & (alt >= 0)
        sn = np.where(change, self.surnames[np.maximum(alt, 0)], self.surnames[p.surname[uniq]])
        tp = N.draw(seed, source, "typo", self.rate(source, "typo"), uniq)
        field_ = N.pick(seed, source, "typo-field", 2, uniq)
        bits = N.pick(seed, source, "typo-op", 1 << 30, uniq)
        fn = N.apply_typos(fn, tp & (field_ == 0), bits)
        sn = N.apply_typos(sn.astype(object), tp & (field_ == 1), bits)
        counts["nickname"] = (int(nick[inv].sum()), int(has_nick[inv].sum()))
        counts["surname_change"] = (int(change[inv].sum()), int((alt >= 0)[inv].sum()))
        counts["typo"] = (int(tp[inv].sum()), len(pid))
        return fn[inv], np.asarray(sn, dtype=object)[inv]

    def person(
        self,
        source: str,
        pid: I64,
        when: I64,
        row_keys: tuple[I64, ...],
        counts: dict[str, tuple[int, int]],
    ) -> dict[str, Column]:
        """The nine PERSON columns for rows about `pid`, dated `when`."""
        c, seed = self.c, self.c.seed
        p = c.people
        fn, sn = self.names(source, pid, counts)
        dob = p.dob[pid].copy()
        dd = dob.astype("datetime64[D]")
        month = dd.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (dd - dd.astype("datetime64[M]")).astype(np.int64) + 1
        swappable = (dom <= 12) & (dom != month)
        swap = N.draw(seed, source, "dob_swap", self.rate(source, "dob_swap"), pid) & swappable
        year = dd.astype("datetime64[Y]").astype(np.int64) + 1970
        swapped = _ymd_to_day(year, dom, month)
        dob = np.where(swap, swapped, dob)
        miss = N.draw(seed, source, "dob_missing", self.rate(source, "dob_missing"), pid)
        dob = np.where(miss, MISSING_DAY, dob)
        counts["dob_swap"] = (int((swap & ~miss).sum()), int(swappable.sum()))
        counts["dob_missing"] = (int(miss.sum()), len(pid))
        sex = np.where(p.female[pid], "F", "M").astype(object)
        unknown = keyed_uniform(seed, f"sex:{source}", pid) < 0.003
        sex = np.where(unknown, "U", sex).astype(object)
        addr_cols = self.address(source, pid, when, row_keys, counts)
        return {"forename": s(fn), "surname": s(sn), "dob": d(dob), "sex": s(sex), **addr_cols}

    def address_index(
        self,
        source: str,
        pid: I64,
        when: I64,
        row_keys: tuple[I64, ...],
        counts: dict[str, tuple[int, int]],
    ) -> I64:
        c = self.c
        h = c.people.hh[pid]
        addr = c.addr_of(pid, when)
        after_move = (c.hh.old_addr[h] >= 0) & (when >= c.hh.move_day[h])
        stale = (
            N.draw(c.seed, source, "stale_address", self.rate(source, "stale_address"), *row_keys)
            & after_move
        )
        counts["stale_address"] = (int(stale.sum()), int(after_move.sum()))
        return np.asarray(np.where(stale, c.hh.old_addr[h], addr), dtype=np.int64)

    def postcode(
        self, source: str, addr: I64, row_keys: tuple[I64, ...], counts: dict[str, tuple[int, int]]
    ) -> Obj:
        seed = self.c.seed
        hit = N.draw(
            seed, source, "postcode_format", self.rate(source, "postcode_format"), *row_keys
        )
        counts["postcode_format"] = (int(hit.sum()), len(addr))
        bits = N.pick(seed, source, "postcode-style", 1 << 20, *row_keys)
        return N.postcode_variant(self.c.gaz.postcode[addr], hit, bits)

    def address(
        self,
        source: str,
        pid: I64,
        when: I64,
        row_keys: tuple[I64, ...],
        counts: dict[str, tuple[int, int]],
    ) -> dict[str, Column]:
        g = self.c.gaz
        addr = self.address_index(source, pid, when, row_keys, counts)
        pc = self.postcode(source, addr, row_keys, counts)
        no_uprn = N.draw(
            self.c.seed, source, "uprn_missing", self.rate(source, "uprn_missing"), *row_keys
        )
        counts["uprn_missing"] = (int(no_uprn.sum()), len(addr))
        uprn = np.where(no_uprn, "", g.uprn[addr].astype(str).astype(object))
        return {
            "address_line1": s(g.line1[addr]),
            "address_line2": s(g.line2[addr]),
            "town": s(g.town[addr]),
            "postcode": s(pc),
            "uprn": s(uprn),
            TRUE_UPRN: s(g.uprn[addr].astype(str).astype(object)),
        }

    def uk_dates(
        self, source: str, n: int, row_keys: tuple[I64, ...], counts: dict[str, tuple[int, int]]
    ) -> B:
        hit = N.draw(self.c.seed, source, "uk_date", self.rate(source, "uk_date"), *row_keys)
        counts["uk_date"] = (int(hit.sum()), n)
        return hit


def _ymd_to_day(y: I64, m: I64, d_: I64) -> I64:
    months = (y - 1970) * 12 + (m - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return np.asarray(first + d_ - 1, dtype=np.int64)


def in_window(c: County, when: I64) -> B:
    tl = c.timeline
    return np.asarray((when >= tl.w0) & (when <= tl.cut), dtype=bool)


def overlaps_window(c: County, start: I64, end: I64) -> B:
    tl = c.timeline
    return np.asarray((start <= tl.cut) & ((end == OPEN) | (end >= tl.w0)), dtype=bool)


def close_at_cut(c: County, end: I64) -> I64:
    """An end after the extract date is not known yet: the row shows it open."""
    return np.asarray(np.where(end > c.timeline.cut, OPEN, end), dtype=np.int64)


def address_date(c: County, end: I64) -> I64:
    """The address an agency holds for an ongoing thing is the one at the extract date."""
    return np.asarray(np.where(end == OPEN, c.timeline.cut, end), dtype=np.int64)


def _order(*keys: Any) -> I64:
    return np.asarray(np.lexsort(tuple(reversed(keys))), dtype=np.int64)


def _take(cols: dict[str, Any], order: I64) -> dict[str, Any]:
    return {k: v[order] for k, v in cols.items()}


def _finish(
    r: Renderer,
    source: str,
    pid: I64 | None,
    cols: dict[str, Column],
    uk: B,
    counts: dict[str, tuple[int, int]],
) -> Table:
    spec = SOURCES[source].columns
    missing = [col for col in spec if col not in cols]
    assert not missing, f"{source} lacks {missing}"
    true = cols[TRUE_UPRN].values if TRUE_UPRN in cols else None
    return Table(source, {k: cols[k] for k in spec}, pid, uk, counts, true)
