"""Money in pence, and the words for it: "£1,234.50" on pages, "1234.50" in files.

Amounts are typed as pounds and pence ("12.50", "£1,200", "0.99"); `pence` reads one
exactly (Decimal, never float) or raises `BadAmount` with a sentence saying why.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")
YEAR = re.compile(r"^(\d{4})/(\d{2})$")


class BadAmount(ValueError):
    pass


def pence(text: str | Decimal | int, what: str = "amount") -> int:
    """Pence from pounds: "1,234.5" is 123450. Refuses nothing, a word, a negative or
    zero amount and a third decimal place, each with its own sentence."""
    raw = str(text).strip().replace(",", "").removeprefix("£").strip()
    if not raw:
        raise BadAmount(f"Enter the {what}")
    if not AMOUNT.match(raw):
        try:
            Decimal(raw)
        except InvalidOperation:
            raise BadAmount(f"The {what} must be a number of pounds, like 25.50") from None
        if "." in raw and len(raw.split(".")[1]) > 2:
            raise BadAmount(f"The {what} must be pounds and pence, with at most 2 decimal places")
        raise BadAmount(f"The {what} must be a number of pounds, like 25.50")
    value = int((Decimal(raw) * 100).to_integral_exact())
    if value <= 0:
        raise BadAmount(f"The {what} must be more than £0")
    return value


def pounds(p: int) -> str:
    """ "£1,234.50"; a negative amount is "−£12.00" (a reversal)."""
    sign = "−" if p < 0 else ""
    whole, part = divmod(abs(p), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def plain(p: int) -> str:
    """ "1234.50", "-12.00": a finance file's amount, two decimal places."""
    sign = "-" if p < 0 else ""
    whole, part = divmod(abs(p), 100)
    return f"{sign}{whole}.{part:02d}"


def manager_limit() -> int:
    """A team manager's limit, in pence (WHOLEFAMILY_FNSP_MANAGER_LIMIT, in pounds)."""
    raw = str(getattr(settings, "WHOLEFAMILY_FNSP_MANAGER_LIMIT", "500.00"))
    try:
        return pence(raw, "limit")
    except BadAmount as exc:
        raise ImproperlyConfigured(
            f"WHOLEFAMILY_FNSP_MANAGER_LIMIT must be pounds, like 500.00, not {raw!r}: {exc}"
        ) from None


# --- Financial years ------------------------------------------------------------------


def parse_year(text: str) -> str:
    """ "2026/27" as it is, or ValueError saying what a financial year looks like."""
    m = YEAR.match(text.strip())
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"a financial year is written like 2026/27, not {text!r}")
    return text.strip()


def year_of(d: date) -> str:
    """The financial year (1 April to 31 March) a day falls in: "2026/27"."""
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def year_span(year: str) -> tuple[date, date]:
    start = int(parse_year(year)[:4])
    return date(start, 4, 1), date(start + 1, 3, 31)


def year_asked(text: str | None) -> str:
    """The financial year a page was asked for (`?year=2026-27`), or this year's when the
    question is missing or not a year."""
    from wholefamily.web import clock

    try:
        return parse_year(text or "")
    except ValueError:
        return year_of(clock.today())
