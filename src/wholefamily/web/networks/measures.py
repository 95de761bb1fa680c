"""The pathfinder's kinship measures, from who each child lives with (`LivingArrangement`),
as set-based queries for a period (first and last day, both counted) and, optionally, one
district (the family's local coordination group):

- `kept_at_home`: children supported to stay with their birth family or with people they
  already know: living with their parents, in informal kinship care, or under a special
  guardianship or child arrangements order at some time in the period, and not in care
  at any time in it;
- `entering_care`: children whose foster or residential care began in the period (and
  who were not already in care the day before);
- `spend_per_child_kept_at_home`: Family Network Support Package spend (the payments
  app's figure, passed in) divided by `kept_at_home`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DateField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from wholefamily.web.networks.models import LivingArrangement


def _in(start: date, end: date, district: str | None) -> QuerySet[LivingArrangement]:
    """The arrangements that were in force at some time from `start` to `end`."""
    found = LivingArrangement.objects.filter(started_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )
    if district:
        found = found.filter(family__district=district)
    return found


def kept_at_home(start: date, end: date, district: str | None = None) -> int:
    at_home = _in(start, end, district).filter(kind__in=LivingArrangement.AT_HOME)
    in_care = _in(start, end, district).filter(kind__in=LivingArrangement.IN_CARE)
    return at_home.exclude(child__in=in_care.values("child")).values("child").distinct().count()


def entering_care(start: date, end: date, district: str | None = None) -> int:
    began = LivingArrangement.objects.filter(
        kind__in=LivingArrangement.IN_CARE, started_on__gte=start, started_on__lte=end
    )
    if district:
        began = began.filter(family__district=district)
    # A move from one placement to another (the last ended that day or the day before)
    # is not entering care.
    moved = LivingArrangement.objects.filter(
        child=OuterRef("child"),
        kind__in=LivingArrangement.IN_CARE,
        started_on__lt=OuterRef("started_on"),
        ended_on__gte=ExpressionWrapper(
            OuterRef("started_on") - timedelta(days=1), output_field=DateField()
        ),
    )
    return began.exclude(Exists(moved)).values("child").distinct().count()


def spend_per_child_kept_at_home(
    spend: Decimal, start: date, end: date, district: str | None = None
) -> Decimal | None:
    """Spend (pounds) per child kept at home in the period, to the penny; None when no
    child was."""
    children = kept_at_home(start, end, district)
    if not children:
        return None
    return (spend / children).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
