"""Normalisation for matching, as Ibis expressions (set-based, backend-neutral).

Each function takes a text column and returns an expression; none loops
over rows. `strip_accents` and `jaro_winkler_similarity` are backend
built-ins declared here once, so a port to another backend changes one file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

# A UK postcode without its space: outward code (area, district) + inward code.
POSTCODE_RE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
_ISO_RE = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]00:00(?::00)?)?$"
_UK_RE = r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$"
_PLAIN_ISO_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# Street-type abbreviations agencies use, and the word the gazetteer spells out.
STREET_WORDS = {
    "RD": "ROAD",
    "ST": "STREET",
    "AVE": "AVENUE",
    "AV": "AVENUE",
    "CL": "CLOSE",
    "CRES": "CRESCENT",
    "CRS": "CRESCENT",
    "DR": "DRIVE",
    "GDNS": "GARDENS",
    "GRN": "GREEN",
    "GR": "GROVE",
    "LN": "LANE",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "TER": "TERRACE",
    "TERR": "TERRACE",
    "CT": "COURT",
    "WY": "WAY",
}


_ABBREVIATION = r"\b(" + "|".join(STREET_WORDS) + r")\b"


@ibis.udf.scalar.builtin
def strip_accents(s: str) -> str:  # type: ignore[empty-body]
    """DuckDB built-in: remove diacritics (é -> e)."""


@ibis.udf.scalar.builtin
def try_strptime(s: str, fmt: str) -> datetime:  # type: ignore[empty-body]
    """DuckDB built-in: parse with a strftime format; NULL when the text does not fit."""


@ibis.udf.scalar.builtin(name="trim")
def trim_spaces(s: str) -> str:  # type: ignore[empty-body]
    """DuckDB built-in `trim` with one argument: surrounding spaces (only) removed."""


@ibis.udf.scalar.builtin
def jaro_winkler_similarity(a: str, b: str) -> float:  # type: ignore[empty-body]
    """DuckDB built-in: Jaro-Winkler similarity in [0, 1]."""


# Whitespace as `strip` removes it; a value neither starting nor ending with one of
# these is its own strip, and most values are: they skip the (slower) trim.
_EDGE_SPACE = r"^[ \t\n\r\x0b\x0c]|[ \t\n\r\x0b\x0c]$"


def blank_to_null(s: ir.StringValue) -> ir.StringValue:
    """Surrounding spaces removed; an empty string is a missing value."""
    t = ibis.ifelse(s.re_search(_EDGE_SPACE), s.strip(), s)
    return ibis.ifelse(t == "", ibis.null("string"), t)


# The regular-expression replacements below cost far more than a test, and most values
# need none of them: each is skipped where it would change nothing (the same result).


def _without(t: ir.StringValue, chars: str) -> ir.StringValue:
    """`t` with every one of `chars` removed."""
    found: Any = ibis.literal(False)
    for c in chars:
        found = found | t.contains(c)
    pattern = "[" + "".join(_RE_CHAR.get(c, c) for c in chars) + "]"
    return ibis.ifelse(found, t.re_replace(pattern, ""), t)


_RE_CHAR = {"\u2019": r"\x{2019}", "\u2018": r"\x{2018}"}


def _words(t: ir.StringValue, word: str) -> ir.StringValue:
    """Runs of characters outside the class `word` (e.g. `A-Z0-9`) as one space, trimmed:
    a value already of words in that class separated by single spaces is left as it is."""
    clean = t.re_search(rf"^[{word}]+( [{word}]+)*$")
    return ibis.ifelse(clean, t, trim_spaces(t.re_replace(rf"[^{word}]+", " ")))


def name_key(s: ir.StringValue) -> ir.StringValue:
    """`  O'Brien-Smyth ` -> `OBRIEN SMYTH`; `Zoë` -> `ZOE`; missing stays missing."""
    t = _without(strip_accents(s.upper()), "'`\u2019\u2018")
    t = _words(t, "A-Z")
    return ibis.ifelse(t == "", ibis.null("string"), t)


def address_key(s: ir.StringValue) -> ir.StringValue:
    """Upper case, punctuation as spaces, street-type abbreviations spelled out."""
    t = strip_accents(s.upper()).replace("&", " AND ")
    t = _words(_without(t, "'`\u2019"), "A-Z0-9")
    spelled = t
    for short, long in STREET_WORDS.items():
        spelled = spelled.re_replace(rf"\b{short}\b", long)
    # Only the (few) addresses holding an abbreviation pay for the replacements.
    t = ibis.ifelse(t.re_search(_ABBREVIATION), spelled, t)
    return ibis.ifelse(t == "", ibis.null("string"), t)


def number_key(address: ir.StringValue) -> ir.StringValue:
    """The numbers in an address key (`FLAT 12 34 LARK LANE` -> `12 34`), or missing."""
    general = trim_spaces(address.re_replace(r"[^0-9]+", " "))
    # The common case, one number and then words (`12 LARK LANE`), is its first word.
    one = address.re_search(r"^[0-9]+ [A-Z ]+$")
    t = ibis.ifelse(one, address.split(" ")[0], general)
    return ibis.ifelse(t == "", ibis.null("string"), t)


def postcode_compact(s: ir.StringValue) -> ir.StringValue:
    up = s.upper()
    # Letters, digits and spaces (`SO17 1BJ`, nearly every postcode): the spaces removed.
    plain = up.re_search(r"^[A-Z0-9 ]*$")
    return ibis.ifelse(plain, up.replace(" ", ""), up.re_replace(r"[^A-Z0-9]", ""))


def postcode_valid(s: ir.StringValue) -> ir.BooleanValue:
    return postcode_compact(s).re_search(POSTCODE_RE)


def postcode(s: ir.StringValue) -> ir.StringValue:
    """Canonical form (`so171bj` -> `SO17 1BJ`) when valid; else the cleaned text."""
    c = postcode_compact(s)
    canon = c.left(c.length() - 3).concat(" ", c.right(3))
    out = ibis.ifelse(c.re_search(POSTCODE_RE), canon, c)
    return ibis.ifelse(c == "", ibis.null("string"), out)


def date(s: ir.StringValue) -> ir.DateValue:
    """`YYYY-MM-DD` or UK `DD/MM/YYYY`; impossible dates (2024-02-30) are missing."""
    iso = try_strptime(s.re_replace(r"[ T]00:00(:00)?$", ""), "%Y-%m-%d")
    uk = try_strptime(s, "%d/%m/%Y")
    ok = s.re_search(_ISO_RE) | s.re_search(_UK_RE)
    general = ibis.ifelse(ok, iso.fill_null(uk), None).cast("date")
    # The common case, `YYYY-MM-DD` exactly, is one parse (the same result: nothing to
    # strip, and no UK reading of it).
    plain = try_strptime(s, "%Y-%m-%d").cast("date")
    return ibis.ifelse(s.re_search(_PLAIN_ISO_RE), plain, general)


SEX_WORDS = {
    "M": "M",
    "MALE": "M",
    "F": "F",
    "FEMALE": "F",
    "U": "U",
    "UNKNOWN": "U",
    "NOT KNOWN": "U",
    "X": "U",
}


def sex(s: ir.StringValue) -> ir.StringValue:
    """M, F or U from the usual spellings (`male`, `Female`, `u`); anything else missing."""
    return s.upper().strip().substitute(SEX_WORDS, else_=ibis.null("string"))


# Numbers at or beyond 10^15 are not counts or amounts any agency holds, and a
# double no longer carries their pence exactly: such a value is not a number here.
NUMBER_LIMIT = 1e15


def number(s: ir.StringValue) -> ir.FloatingValue:
    """Any number the text spells (`12`, `£1,250.50`, `1e3`, `inf`), as a double; else missing."""
    f: Any = s.re_replace(r"^\x{00A3}", "").replace(",", "").try_cast("float64")
    return f


def _finite(f: Any) -> ir.BooleanValue:
    return f.notnull() & ~f.isnan() & ~f.isinf() & (f.abs() < NUMBER_LIMIT)


def integer(s: ir.StringValue) -> ir.IntegerValue:
    """Whole numbers below 10^15, `12` or `12.0`; anything else (`inf`, `1e19`) missing."""
    f: Any = s.try_cast("float64")
    whole = _finite(f) & (f.floor() == f)
    # The cast comes after the choice, and cannot fail: an engine may evaluate
    # both branches of a CASE, and `inf` or `1e19` has no int64.
    return ibis.ifelse(whole, f, ibis.null("float64")).try_cast("int64")


def decimal(s: ir.StringValue) -> ir.FloatingValue:
    """Amounts and hours below 10^15: `£1,250.50` -> 1250.5; anything else missing."""
    f: Any = number(s)
    return ibis.ifelse(_finite(f), f, ibis.null("float64"))
