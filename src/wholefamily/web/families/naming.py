"""A family's name and children, kept on the family (`Family.name`, `Family.kids`) so
that lists and dashboards name a page of families without reading their members.

`sync` writes them from the run's people as it upserts the families. Everything else
that changes a member goes through the ORM, and `refresh_names` follows it: a saved
or deleted `Member` (and a saved `Person`) refreshes the families concerned, by the
signals connected in `FamiliesConfig.ready`. Code that writes members in bulk
(`bulk_create`, `update`, which send no signals) calls `refresh_names` itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from wholefamily.web.families.labels import Named, kids_of, name_of

BATCH = 2000


def refresh_names(family_pks: Iterable[int]) -> int:
    """Recomputes the name and children of the families with these primary keys from
    their current members: one read of the members and one bulk update per batch.
    Returns the number of families whose name or children changed."""
    from wholefamily.web.families.models import Family, Member

    pks = sorted(set(family_pks))
    changed = 0
    for i in range(0, len(pks), BATCH):
        part = pks[i : i + BATCH]
        people: dict[int, list[Named]] = defaultdict(list)
        for fam, forename, surname, dob, role in Member.objects.filter(
            family_id__in=part, current=True
        ).values_list("family_id", "person__forename", "person__surname", "person__dob", "role"):
            people[fam].append((forename, surname, dob, role))
        stale = []
        for f in Family.objects.filter(pk__in=part).only("pk", "family_id", "name", "kids"):
            name, kids = name_of(people[f.pk]), kids_of(people[f.pk])
            if (f.name, f.kids) != (name, kids):
                f.name, f.kids = name, kids
                stale.append(f)
        Family.objects.bulk_update(stale, ["name", "kids"])
        changed += len(stale)
    return changed


def _member_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading a fixture
        return
    refresh_names([instance.family_id])


def _person_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or kwargs.get("created"):  # a new person has no family yet
        return
    refresh_names(instance.memberships.values_list("family_id", flat=True))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from wholefamily.web.families.models import Member, Person

    post_save.connect(_member_changed, sender=Member, dispatch_uid="family-name-member")
    post_delete.connect(_member_changed, sender=Member, dispatch_uid="family-name-member-gone")
    post_save.connect(_person_saved, sender=Person, dispatch_uid="family-name-person")
