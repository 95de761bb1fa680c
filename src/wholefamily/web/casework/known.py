"""The "already known" check of a nomination against the people in the case database.

Candidates are people with the same date of birth, or the same first and last
name; the linkage model (`wholefamily.linkage.known`) scores each pair, and
those it would link (probability 0.5 or more) are offered to the nominator.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q

from wholefamily.web.families.models import Member, Person

SHOW_FROM = 0.5


def already_known(named: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The linkage stack (Splink, Ibis) loads on the first nomination, not with every page.
    from wholefamily.linkage.known import saved_model, score_pairs

    pairs: list[dict[str, Any]] = []
    for p in named:
        q = Q(forename__iexact=p["forename"], surname__iexact=p["surname"])
        if p.get("dob"):
            q |= Q(dob=p["dob"])
        for person in Person.objects.filter(q)[:50]:
            pairs.append(
                {
                    "named": p,
                    "person": person,
                    "forename_l": p["forename"],
                    "forename_r": person.forename,
                    "surname_l": p["surname"],
                    "surname_r": person.surname,
                    "dob_l": p.get("dob"),
                    "dob_r": person.dob,
                }
            )
    if not pairs:
        return []
    probabilities = score_pairs(pairs, saved_model(settings.WORKSPACE))
    found = []
    for pair, prob in zip(pairs, probabilities, strict=True):
        if prob < SHOW_FROM:
            continue
        person = pair["person"]
        for m in Member.objects.filter(person=person, current=True).select_related("family"):
            named = pair["named"]
            found.append(
                {
                    "family_id": m.family.family_id,
                    "named": f"{named['forename']} {named['surname']}",
                    "name_key": f"{named['forename']}|{named['surname']}|{named['dob']}",
                    "person_pk": person.pk,
                    "probability": prob,
                }
            )
    found.sort(key=lambda c: (-c["probability"], c["family_id"]))
    return found
