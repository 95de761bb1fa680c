"""Hash chains that make the audit log and the signed claim lines tamper-evident.

Each chained row carries `seq` (its position: 1, 2, 3, ... with no gaps), `prev_hash`
(the hash of the row at seq - 1; 64 zeros for the first) and `hash`:

    hash = SHA-256(canonical({"chain": CHAIN, "seq": seq, "prev": prev_hash, **content}))

where `canonical` is JSON with sorted keys, no spaces, UTF-8, times as UTC ISO 8601
with microseconds, and CHAIN names the table (so rows cannot be spliced from one chain
into the other). An auditor can recompute every hash with any SHA-256 tool.

A row changed after it was written no longer matches its hash; a row deleted leaves a
gap in `seq`; a row inserted around the chain has no position or a hash that does not
fit. What a chain cannot show alone is the newest rows removed and nothing after them:
`wholefamily audit verify` prints the head's hash so it can be kept outside the
database (in the committee papers, say), which pins everything up to it.

Appending is serialised, so two writers never take the same position: on PostgreSQL
a transaction-scoped advisory lock per chain; on SQLite every transaction begins
IMMEDIATE (settings.py), which takes the database's write lock first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

GENESIS = "0" * 64
# pg_advisory_xact_lock(namespace, key): the namespace is "wf" in ASCII.
LOCK_NAMESPACE = 0x7766
LOCK_KEYS = {"audit": 1, "claim_line": 2}


def canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def digest(chain: str, seq: int, prev_hash: str, content: dict[str, Any]) -> str:
    body = {k: canonical(v) for k, v in content.items()}
    body.update(chain=chain, seq=seq, prev=prev_hash)
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def appending(chain: str) -> Iterator[None]:
    """A transaction in which this process alone appends to `chain`."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, LOCK_KEYS[chain]]
                )
        yield


@dataclass(frozen=True)
class Misfit:
    """The first row of a chain that does not fit, and why."""

    id: int
    seq: int | None
    at: datetime | None
    what: str
    why: str

    def __str__(self) -> str:
        at = self.at.astimezone(UTC).isoformat(timespec="seconds") if self.at else "no time"
        pos = f"position {self.seq}" if self.seq is not None else "no position"
        return f"id {self.id} ({pos}, {at}, {self.what}): {self.why}"


@dataclass(frozen=True)
class Verdict:
    count: int
    head: str
    misfit: Misfit | None


def walk(
    chain: str,
    rows: Iterable[tuple[int, int | None, str, str, datetime | None, str, dict[str, Any]]],
) -> Verdict:
    """Check rows given as (id, seq, prev_hash, hash, at, what, content), ordered by
    seq with the rows that have none first; stop at the first that does not fit."""
    expected, prev, count = 1, GENESIS, 0
    for id_, seq, prev_hash, hash_, at, what, content in rows:

        def misfit(why: str) -> Verdict:
            return Verdict(count, prev, Misfit(id_, seq, at, what, why))  # noqa: B023

        if seq is None:
            return misfit("it is not in the chain (written around the application)")
        if seq < expected:
            return misfit(f"its position is {seq}, before the chain's next ({expected})")
        if seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
            return misfit(f"the entry before it is missing (position {missing})")
        if prev_hash != prev:
            return misfit("it does not follow the entry before it (previous hash differs)")
        if digest(chain, seq, prev_hash, content) != hash_:
            return misfit("its content does not match its hash (changed after it was written)")
        expected, prev, count = expected + 1, hash_, count + 1
    return Verdict(count, prev, None)
