"""Walk the two hash chains: the audit log, and the signed claim lines.

Rows that should be in a chain but have no position come first (they were written
around the application), then the chain in order; the first row that does not fit
is named with its id, position, time and what it records.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain as concat
from typing import Any

from wholefamily.web.audit.chain import Verdict, walk
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.claims.models import Line

CHUNK = 5000
Row = tuple[int, int | None, str, str, datetime | None, str, dict[str, Any]]


def _audit_rows() -> Iterator[Row]:
    fields = ("id", "seq", "prev_hash", "hash", *AuditEntry.CONTENT)
    base = AuditEntry.objects.order_by()
    loose = base.filter(seq__isnull=True).order_by("id").values_list(*fields)
    chained = base.filter(seq__isnull=False).order_by("seq").values_list(*fields)
    for id_, seq, prev, h, *values in concat(
        loose.iterator(chunk_size=CHUNK), chained.iterator(chunk_size=CHUNK)
    ):
        content = dict(zip(AuditEntry.CONTENT, values, strict=True))
        what = " ".join(
            str(content[k])
            for k in ("username", "action", "object_type", "object_id")
            if content[k]
        )
        yield id_, seq, prev, h, content["at"], what, content


def _line_rows() -> Iterator[Row]:
    extra = ("family__family_id", "claim__period", "claim__framework")
    fields = ("id", "seq", "prev_hash", "hash", *Line.CONTENT, *extra)
    base = Line.objects.order_by()
    loose = base.filter(seq__isnull=True, signed_at__isnull=False).order_by("id")
    # A line with a position is in the chain even when no longer signed (unsigned since).
    chained = base.filter(seq__isnull=False).order_by("seq")
    for id_, seq, prev, h, *values in concat(
        loose.values_list(*fields).iterator(chunk_size=CHUNK),
        chained.values_list(*fields).iterator(chunk_size=CHUNK),
    ):
        n = len(Line.CONTENT)
        content = dict(zip(Line.CONTENT, values[:n], strict=True))
        family, period, framework = values[n:]
        what = (
            f"family {family}, {content['result']} result, £{content['amount']:,} "
            f"in the {framework} {period} claim"
        )
        yield id_, seq, prev, h, content["signed_at"], what, content


def verify_audit() -> Verdict:
    return walk(AuditEntry.CHAIN, _audit_rows())


def verify_lines() -> Verdict:
    return walk(Line.CHAIN, _line_rows())
