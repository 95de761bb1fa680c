"""Today's date, in one place, so that the checks against it can be tested on any day.

Every check of a date against today in the claims and measurements reads
`clock.today()` (called through the module, so a test can replace it with
`monkeypatch.setattr(clock, "today", ...)`).
"""

from __future__ import annotations

from datetime import date


def today() -> date:
    return date.today()
