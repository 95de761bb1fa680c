"""Deterministic randomness for the generator.

Two kinds are used. Streams (`stream(seed, name)`) are numpy generators for
drawing the county itself. Keyed draws (`keyed_uniform`) are a counter-based
hash of (seed, purpose, key), so the noise an agency puts on a record, or a
pupil's absence in a term, does not depend on which other rows are in the
drop. That makes two drops of the same county (same seed, different as-of
dates) agree on everything they share.
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent numpy generator for one named part of the county."""
    return np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, _name_key(name)])


def _mix(x: U64) -> U64:
    """splitmix64 finaliser, element-wise (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * _M1
        x = x ^ (x >> np.uint64(27))
        x = x * _M2
        x = x ^ (x >> np.uint64(31))
    return x


def keyed_bits(seed: int, purpose: str, *keys: npt.ArrayLike) -> U64:
    """64 random bits per element, a pure function of (seed, purpose, keys)."""
    with np.errstate(over="ignore"):
        h = _mix(
            np.asarray(
                np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + _GOLDEN * np.uint64(_name_key(purpose))
            )
        )
        out = np.asarray(h, dtype=np.uint64)
        for k in keys:
            arr = np.asarray(k).astype(np.int64).view(np.uint64)
            out = _mix(out ^ (arr + _GOLDEN))
    return np.asarray(out, dtype=np.uint64)


def keyed_uniform(seed: int, purpose: str, *keys: npt.ArrayLike) -> F64:
    """Uniform floats in [0, 1), a pure function of (seed, purpose, keys)."""
    bits = keyed_bits(seed, purpose, *keys)
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def keyed_int(seed: int, purpose: str, high: int | npt.ArrayLike, *keys: npt.ArrayLike) -> I64:
    """Integers in [0, high), keyed like `keyed_uniform`."""
    u = keyed_uniform(seed, purpose, *keys)
    return np.floor(u * np.asarray(high, dtype=np.float64)).astype(np.int64)


def scatter(index: npt.ArrayLike, space: int, seed: int, purpose: str) -> I64:
    """A bijection of 0..space-1 onto itself: unique codes from running numbers.

    Multiplication by a number coprime to `space` followed by an offset, both
    drawn from the seed, so identifiers look random but never collide.
    """
    rng = stream(seed, "scatter:" + purpose)
    while True:
        a = int(rng.integers(space // 3, space - 1)) | 1
        if np.gcd(a, space) == 1:
            break
    b = int(rng.integers(0, space))
    idx = np.asarray(index, dtype=np.int64)
    # Python ints avoid overflow for spaces up to 10**12.
    return np.asarray((idx.astype(object) * a + b) % space, dtype=np.int64)


def zipf_weights(n: int, s: float = 0.9, offset: float = 4.0) -> F64:
    """Name-popularity weights: a Zipf curve over ranks, normalised."""
    w = 1.0 / np.power(np.arange(n, dtype=np.float64) + offset, s)
    return np.asarray(w / w.sum(), dtype=np.float64)
