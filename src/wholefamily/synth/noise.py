"""Identity noise: how each agency's records differ from the truth.

Rates are per source and per kind, and can be scaled or overridden. Name and
date-of-birth noise belongs to an agency's record of a person (the same in
every row of that source for that person); format noise (postcode spacing,
UK date order) and address staleness belong to each row.

Kinds (each rate is a share of rows, among the rows where the kind can apply):
- typo: forename or surname has one typing error (insertion, deletion,
  substitution or two letters swapped);
- nickname: a known short form instead of the given name (among people whose
  name has one);
- surname_change: the person's other surname (maiden name, the other parent's
  name), among people who have one;
- dob_missing: date of birth left empty;
- dob_swap: day and month swapped (among dates where that is another date);
- stale_address: the address before the household moved, on rows dated after
  the move;
- postcode_format: postcode in lower case, without its space or with extra spaces;
- uprn_missing: UPRN left empty;
- uk_date: dates written DD/MM/YYYY (CSV and XLSX; Parquet holds native dates);
- id_missing: the source's own identifier left empty, where the spec allows
  it (nino in benefits and employment).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wholefamily.synth.rand import keyed_int, keyed_uniform
from wholefamily.synth.vocab import NICKNAMES

KINDS: tuple[str, ...] = (
    "typo",
    "nickname",
    "surname_change",
    "dob_missing",
    "dob_swap",
    "stale_address",
    "postcode_format",
    "uprn_missing",
    "uk_date",
    "id_missing",
)

_PARTNER = {"uprn_missing": 0.95}
_COUNCIL = {"uprn_missing": 0.15}
# Default rates by source; a kind a source does not list is 0.
DEFAULT_RATES: dict[str, dict[str, float]] = {
    "school_census": {
        "typo": 0.01,
        "nickname": 0.02,
        "surname_change": 0.05,
        "dob_swap": 0.002,
        "stale_address": 0.05,
        "postcode_format": 0.05,
        "uk_date": 0.05,
        **_PARTNER,
    },
    "school_contacts": {
        "typo": 0.03,
        "nickname": 0.25,
        "surname_change": 0.15,
        "stale_address": 0.10,
        "postcode_format": 0.15,
    },
    "school_attendance": {},
    "school_exclusions": {"uk_date": 0.05},
    "police_offences": {
        "typo": 0.04,
        "nickname": 0.10,
        "surname_change": 0.10,
        "dob_missing": 0.02,
        "dob_swap": 0.02,
        "stale_address": 0.25,
        "postcode_format": 0.20,
        "uk_date": 0.10,
        **_PARTNER,
    },
    "asb": {
        "typo": 0.05,
        "nickname": 0.15,
        "surname_change": 0.10,
        "dob_missing": 0.10,
        "dob_swap": 0.02,
        "stale_address": 0.20,
        "postcode_format": 0.25,
        "uk_date": 0.15,
        "uprn_missing": 0.7,
    },
    "domestic_abuse": {
        "typo": 0.04,
        "nickname": 0.15,
        "surname_change": 0.15,
        "dob_missing": 0.08,
        "dob_swap": 0.02,
        "stale_address": 0.20,
        "postcode_format": 0.20,
        "uk_date": 0.10,
        **_PARTNER,
    },
    "dwp_benefits": {
        "typo": 0.01,
        "nickname": 0.01,
        "surname_change": 0.05,
        "dob_swap": 0.003,
        "stale_address": 0.10,
        "postcode_format": 0.05,
        "uk_date": 0.02,
        "id_missing": 0.02,
        **_PARTNER,
    },
    "employment": {
        "typo": 0.015,
        "nickname": 0.05,
        "surname_change": 0.08,
        "dob_missing": 0.01,
        "dob_swap": 0.005,
        "stale_address": 0.20,
        "postcode_format": 0.10,
        "uk_date": 0.05,
        "id_missing": 0.04,
        **_PARTNER,
    },
    "health": {
        "typo": 0.02,
        "nickname": 0.03,
        "surname_change": 0.05,
        "dob_swap": 0.005,
        "stale_address": 0.15,
        "postcode_format": 0.05,
        "uk_date": 0.05,
        **_PARTNER,
    },
    "social_care": {
        "typo": 0.02,
        "nickname": 0.05,
        "surname_change": 0.10,
        "dob_missing": 0.01,
        "dob_swap": 0.005,
        "stale_address": 0.10,
        "postcode_format": 0.05,
        "uk_date": 0.05,
        **_COUNCIL,
    },
    "housing": {
        "typo": 0.02,
        "nickname": 0.08,
        "surname_change": 0.08,
        "dob_missing": 0.05,
        "dob_swap": 0.01,
        "stale_address": 0.02,
        "postcode_format": 0.05,
        "uk_date": 0.05,
        **_COUNCIL,
    },
    "referrals": {
        "typo": 0.05,
        "nickname": 0.20,
        "surname_change": 0.15,
        "dob_missing": 0.15,
        "dob_swap": 0.03,
        "stale_address": 0.10,
        "postcode_format": 0.30,
        "uk_date": 0.20,
        "uprn_missing": 0.5,
    },
    "gazetteer": {},
}


class NoiseConfigError(ValueError):
    """A noise file or value that cannot be used."""


def rates_for(
    scale: float = 1.0, overrides: dict[str, dict[str, float]] | None = None
) -> dict[str, dict[str, float]]:
    """Rates by source and kind: defaults times `scale`, then `overrides` as given."""
    if scale < 0:
        raise NoiseConfigError("--noise-scale must be 0 or more")
    out = {
        s: {k: min(1.0, r * scale) for k, r in kinds.items()} for s, kinds in DEFAULT_RATES.items()
    }
    for source, kinds in (overrides or {}).items():
        if source not in out:
            raise NoiseConfigError(f"noise file names unknown source {source!r}")
        for kind, rate in kinds.items():
            if kind not in KINDS:
                raise NoiseConfigError(f"noise file names unknown kind {kind!r} for {source}")
            if not isinstance(rate, int | float) or not 0 <= rate <= 1:
                raise NoiseConfigError(f"noise rate {source}.{kind} must be a number from 0 to 1")
            out[source][kind] = float(rate)
    return out


def load_overrides(path: Path) -> dict[str, dict[str, float]]:
    """A JSON or YAML file: {source: {kind: rate}}."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NoiseConfigError(f"cannot read noise file {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            data: Any = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # both parsers raise their own error types
        raise NoiseConfigError(f"noise file {path} is not valid: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise NoiseConfigError(f"noise file {path} must map each source to {{kind: rate}}")
    return data


# ---------------------------------------------------------------------------
# Name noise

_KEYBOARD_NEIGHBOURS = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}


def typo(word: str, r: int) -> str:
    """One typing error in `word`, chosen by the integer `r`; never returns `word` itself."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 2:
        return word + "e"
    op = r % 4
    i = letters[1 + (r >> 2) % (len(letters) - 1)]  # keep the first letter: it is rarely wrong
    ch = word[i]
    if op == 0:  # deletion
        out = word[:i] + word[i + 1 :]
    elif op == 1:  # transposition with the previous letter
        out = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    elif op == 2:  # substitution by a neighbouring key
        near = _KEYBOARD_NEIGHBOURS.get(ch.lower(), "e")
        sub = near[(r >> 8) % len(near)]
        out = word[:i] + (sub.upper() if ch.isupper() else sub) + word[i + 1 :]
    else:  # doubled letter
        out = word[:i] + ch + word[i:]
    return out if out != word else word[:i] + word[i + 1 :]


def nicknames_for(forenames: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [NICKNAMES.get(f, ()) for f in forenames]


def apply_typos(
    values: npt.NDArray[np.object_], hit: npt.NDArray[np.bool_], bits: npt.NDArray[np.int64]
) -> npt.NDArray[np.object_]:
    out = values.copy()
    idx = np.flatnonzero(hit)
    for i, r in zip(idx.tolist(), bits[idx].tolist(), strict=True):
        out[i] = typo(str(values[i]), int(r))
    return out


def postcode_variant(
    pc: npt.NDArray[np.object_], hit: npt.NDArray[np.bool_], bits: npt.NDArray[np.int64]
) -> npt.NDArray[np.object_]:
    """Postcodes as typed: lower case, no space, or doubled space."""
    out = pc.copy()
    idx = np.flatnonzero(hit)
    for i, r in zip(idx.tolist(), bits[idx].tolist(), strict=True):
        s = str(pc[i])
        k = int(r) % 4
        if k == 0:
            s = s.lower()
        elif k == 1:
            s = s.replace(" ", "")
        elif k == 2:
            s = s.lower().replace(" ", "")
        else:
            s = s.replace(" ", "  ")
        out[i] = s
    return out


def draw(
    seed: int, source: str, kind: str, rate: float, *keys: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """Which keys get noise of `kind`: a keyed draw, so stable across drops."""
    if rate <= 0:
        return np.zeros(np.shape(np.asarray(keys[0])), dtype=bool)
    return np.asarray(keyed_uniform(seed, f"noise:{source}:{kind}", *keys) < rate, dtype=bool)


def pick(
    seed: int, source: str, kind: str, high: npt.ArrayLike, *keys: npt.ArrayLike
) -> npt.NDArray[np.int64]:
    return keyed_int(seed, f"pick:{source}:{kind}", high, *keys)
